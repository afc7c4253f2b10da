package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Predicate;

/**
 * What {@link Storage#list} returns: {@code resourceVersion} 0 is the latest snapshot, otherwise
 * the exact one; {@code startKey} (inclusive) continues a paged list; {@code limit} 0 is no limit
 * and counts matched objects only, as kube-apiserver does.
 */
public record ListOptions(long resourceVersion, String startKey, int limit, Predicate<ObjectNode> filter,
                          boolean filtered) {

  public static ListOptions latest() {
    return new ListOptions(0, null, 0, o -> true, false);
  }

  public ListOptions withFilter(Predicate<ObjectNode> predicate) {
    return new ListOptions(resourceVersion, startKey, limit, predicate, true);
  }
}
