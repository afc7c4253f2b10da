package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * Objects under string keys, each write given a new, strictly increasing resourceVersion that the
 * backend writes into {@code metadata.resourceVersion}. Objects handed in are copied; objects
 * handed out are the caller's to mutate. Implementations: {@code memory/}, {@code etcd/} and the
 * watch cache {@code cacher/}; all pass the same contract suite.
 */
public interface Storage extends AutoCloseable {

  /** The object under {@code key}, if any. */
  Optional<ObjectNode> get(String key);

  /**
   * The objects under {@code prefix} (keys in ascending order) as of one resourceVersion: the
   * latest when {@link ListOptions#resourceVersion()} is 0, else exactly that one while it is
   * inside the history window.
   *
   * @throws StorageException {@link StorageException.Kind#EXPIRED} when the version was compacted
   */
  ListResult list(String prefix, ListOptions options);

  /** Stores a new object. @throws StorageException {@link StorageException.Kind#KEY_EXISTS} */
  ObjectNode create(String key, ObjectNode object);

  /**
   * Reads the object, applies {@code update} and writes the result unless it is unchanged; the
   * function may run more than once (a backend retries it when the object changed in between)
   * and may throw to abort.
   *
   * @throws StorageException {@link StorageException.Kind#NOT_FOUND}
   */
  ObjectNode guaranteedUpdate(String key, UpdateFunction update);

  /**
   * {@link #guaranteedUpdate(String, UpdateFunction)} that may start from {@code cached}, a state of
   * the object a cache holds that can be stale (k8s passes the watch cache's copy as
   * {@code cachedExistingObject}): the backend can try the update on it and save a read. It must
   * read the current state before it fails or returns unchanged on the strength of that copy. The
   * default ignores it; {@code cached} is only read, never changed.
   */
  default ObjectNode guaranteedUpdate(String key, UpdateFunction update, ObjectNode cached) {
    return guaranteedUpdate(key, update);
  }

  /**
   * Deletes the object when {@code precondition} accepts its current state and returns the
   * deleted state, stamped with the resourceVersion of the deletion.
   *
   * @throws StorageException {@link StorageException.Kind#NOT_FOUND}
   */
  ObjectNode delete(String key, Predicate<ObjectNode> precondition);

  /**
   * Streams changes under {@code prefix} after {@code options.resourceVersion()}, or the current
   * state as ADDED events followed by changes when {@code options.initialEvents()}.
   *
   * @throws StorageException {@link StorageException.Kind#EXPIRED} when the version was compacted
   */
  Watch watch(String prefix, WatchOptions options, WatchListener listener);

  /** The resourceVersion of the latest write (0 before the first). */
  long currentResourceVersion();

  @Override
  void close();

  /** Computes the new state of an object from its current state (a copy the function may change). */
  @FunctionalInterface
  interface UpdateFunction {
    ObjectNode apply(ObjectNode current);
  }
}
