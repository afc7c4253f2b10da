/**
 * The in-memory storage backend: one replica's objects in a sorted map, a bounded history of
 * changes for watches and exact-version lists, and the watchers. It must not be used by more than
 * one process (the operator refuses more than one replica with Memory storage).
 */
package dev.annex.apiserver.storage.memory;
