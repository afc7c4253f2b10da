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

  public static WatchEvent bookmark(long resourceVersion, boolean initialEventsEnd) {
    return new WatchEvent(Type.BOOKMARK, null, resourceVersion, initialEventsEnd, null);
  }
}
