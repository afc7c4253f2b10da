package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.function.Predicate;

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
  public static Optional<Type> typeOf(boolean was, boolean is) {
    if (was && is) {
      return Optional.of(Type.MODIFIED);
    }
    if (is) {
      return Optional.of(Type.ADDED);
    }
    return was ? Optional.of(Type.DELETED) : Optional.empty();
  }

  /**
   * The event a watcher with {@code filter} sees of one change of {@code key}: the object's states
   * before and after it (null where it did not exist) decide the type, {@code sent} is the object
   * the event carries.
   */
  public static Optional<WatchEvent> seenThrough(Predicate<ObjectNode> filter, String key,
      long version, ObjectNode before, ObjectNode after, ObjectNode sent) {
    boolean was = before != null && filter.test(before);
    boolean is = after != null && filter.test(after);
    return typeOf(was, is).map(type -> new WatchEvent(type, sent, version, false, key));
  }

  public static WatchEvent bookmark(long resourceVersion, boolean initialEventsEnd) {
    return new WatchEvent(Type.BOOKMARK, null, resourceVersion, initialEventsEnd, null);
  }
}
