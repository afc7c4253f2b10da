/**
 * The etcd3 storage backend through jetcd, keyed and versioned as kube-apiserver's: objects under
 * {@code --etcd-prefix}, resourceVersion = mod revision, compare-and-swap writes, consistent
 * ranged lists, resumable watches and a shared compactor. It must not cache (that is the watch
 * cache's job) nor know about HTTP or schemas.
 */
package dev.annex.apiserver.storage.etcd;
