/**
 * The watch cache in front of a storage backend, as kube-apiserver's cacher: one backend list and
 * watch feed every watcher and the {@code resourceVersion=0} lists. It must not write, nor serve a
 * read that asks for the latest state (those go to the backend).
 */
package dev.annex.apiserver.storage.cacher;
