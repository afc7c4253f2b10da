package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Predicate;

/**
 * Where a watch starts: after {@code resourceVersion}, or (with {@code initialEvents}) from the
 * current state sent as ADDED events and closed by a bookmark marked as the end of initial events.
 * The filter turns changes into the events a filtered watcher sees (ADDED when an object starts to
 * match, DELETED when it stops).
 */
public record WatchOptions(long resourceVersion, boolean initialEvents, Predicate<ObjectNode> filter) {

  public static WatchOptions from(long resourceVersion) {
    return new WatchOptions(resourceVersion, false, o -> true);
  }
}
