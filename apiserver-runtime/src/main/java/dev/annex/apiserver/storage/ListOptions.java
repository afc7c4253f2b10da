package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Predicate;

/**
 * What {@link Storage#list} returns: {@code resourceVersion} 0 is the latest snapshot, otherwise
 * the exact one; {@code startKey} (inclusive) continues a paged list; {@code limit} 0 is no limit
 * and counts matched objects only, as kube-apiserver does. {@code anyVersion} is a client's
 * {@code resourceVersion=0}: any recent snapshot will do, so a watch cache may answer it.
 */
public record ListOptions(long resourceVersion, String startKey, int limit, Predicate<ObjectNode> filter,
                          boolean filtered, boolean anyVersion) {

  public ListOptions(long resourceVersion, String startKey, int limit, Predicate<ObjectNode> filter, boolean filtered) {
    this(resourceVersion, startKey, limit, filter, filtered, false);
  }

  public static ListOptions latest() {
    return new ListOptions(0, null, 0, o -> true, false);
  }

  public ListOptions withFilter(Predicate<ObjectNode> predicate) {
    return new ListOptions(resourceVersion, startKey, limit, predicate, true, anyVersion);
  }

  /** The same list, answerable from any recent snapshot (a client's {@code resourceVersion=0}). */
  public ListOptions withAnyVersion() {
    return new ListOptions(resourceVersion, startKey, limit, filter, filtered, true);
  }
}
