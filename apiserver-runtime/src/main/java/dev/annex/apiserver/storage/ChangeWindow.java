package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A store's last {@code capacity} changes, each with its object's states before and after it, so
 * watches and exact-version lists can start in the past; a replay or roll-back from a version
 * whose later changes have left the window throws EXPIRED, like a compacted etcd. A replaced state
 * is kept as JSON ({@link HistoryState}). Not thread-safe: the store's lock guards it.
 */
public final class ChangeWindow {

  /** One change: {@code before} is null for a create, {@code after} for a delete. */
  private record Change(String key, long resourceVersion, HistoryState before, HistoryState after) {
  }

  /** Where a replay sends each change: the states as {@link WatchEvent#seenThrough} takes them. */
  @FunctionalInterface
  public interface Replay {
    void change(String key, long version, ObjectNode before, ObjectNode after, ObjectNode sent);
  }

  private final ArrayDeque<Change> changes = new ArrayDeque<>();
  /** Each stored object's state in the window: the one its next change replaces. */
  private final Map<String, HistoryState> current = new HashMap<>();
  private final int capacity;
  /** Changes at or below this version have left the window. */
  private long oldestVersion;
  private HistoryState toCompact;

  public ChangeWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the window must hold at least one change");
    }
    this.capacity = capacity;
  }

  /** Starts over, empty, at {@code version}: the store was filled anew (a watch cache's list). */
  public void reset(long version) {
    changes.clear();
    current.clear();
    toCompact = null;
    oldestVersion = version;
  }

  /**
   * Records one change. {@code before} is the object's stored tree until now, {@code after} its new
   * one; the window keeps them as they are (the store must not change them). The replaced state is
   * made JSON at the next change, once this one's watchers have read it.
   */
  public void add(String key, long version, ObjectNode before, ObjectNode after) {
    if (toCompact != null) {
      toCompact.compact();
    }
    HistoryState replaced = current.remove(key);
    if (replaced == null && before != null) {
      replaced = new HistoryState(before); // stored before the window began (a watch cache's list)
    }
    HistoryState now = after == null ? null : new HistoryState(after);
    if (now != null) {
      current.put(key, now);
    }
    changes.addLast(new Change(key, version, replaced, now));
    while (changes.size() > capacity) {
      oldestVersion = changes.removeFirst().resourceVersion();
    }
    toCompact = replaced;
  }

  /**
   * Sends every change after {@code from} to {@code replay}, in order: its key, version, the states
   * before and after it (to filter on; the after state is the receiver's own), and the object to send
   * (the after state, or for a delete the last state at the delete's version).
   */
  public void replay(long from, Replay replay) {
    requireInWindow(from);
    for (Change c : changes) {
      if (c.resourceVersion() > from) {
        ObjectNode before = c.before() == null ? null : c.before().view();
        ObjectNode after = c.after() == null ? null : c.after().copy();
        replay.change(c.key(), c.resourceVersion(), before, after,
            after != null ? after : deletedState(before, c.resourceVersion()));
      }
    }
  }

  /**
   * Turns {@code state}, the objects under {@code prefix} as they are now, into what they were at
   * {@code version} by undoing the later changes; the states it puts in are only to be read.
   */
  public void rollBack(NavigableMap<String, ObjectNode> state, String prefix, long version) {
    requireInWindow(version);
    Iterator<Change> newestFirst = changes.descendingIterator();
    while (newestFirst.hasNext()) {
      Change c = newestFirst.next();
      if (c.resourceVersion() <= version) {
        break;
      }
      if (!c.key().startsWith(prefix)) {
        continue;
      }
      if (c.before() == null) {
        state.remove(c.key());
      } else {
        state.put(c.key(), c.before().view());
      }
    }
  }

  private void requireInWindow(long version) {
    if (version < oldestVersion) {
      throw StorageException.expired(version, oldestVersion + 1);
    }
  }

  private static ObjectNode deletedState(ObjectNode before, long resourceVersion) {
    ObjectNode o = before.deepCopy();
    o.withObject("/metadata").put("resourceVersion", Long.toString(resourceVersion));
    return o;
  }
}
