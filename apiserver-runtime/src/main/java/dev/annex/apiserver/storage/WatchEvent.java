package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One change as a watcher sees it, with the storage key of its object (a watch cache keeps its copy
 * by it). A BOOKMARK carries no object and no key, only the resourceVersion up to which every event
 * was delivered; {@code initialEventsEnd} marks the one that closes the initial events of a
 * {@code sendInitialEvents} watch.
 */
public record WatchEvent(Type type, ObjectNode object, long resourceVersion, boolean initialEventsEnd, String key) {

  public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK }

  /**
   * What a change is to a watcher whose filter the object matched before ({@code was}) and matches
   * after ({@code is}): entering the filter is ADDED, leaving it DELETED, as kube-apiserver's watch
   * cache tells a selector watch; nothing when it matched neither.
   */
  public static java.util.Optional<Type> typeOf(boolean was, boolean is) {
    if (was && is) {
      return java.util.Optional.of(Type.MODIFIED);
    }
    if (is) {
      return java.util.Optional.of(Type.ADDED);
    }
    return was ? java.util.Optional.of(Type.DELETED) : java.util.Optional.empty();
  }

  public static WatchEvent bookmark(long resourceVersion, boolean initialEventsEnd) {
    return new WatchEvent(Type.BOOKMARK, null, resourceVersion, initialEventsEnd, null);
  }
}
