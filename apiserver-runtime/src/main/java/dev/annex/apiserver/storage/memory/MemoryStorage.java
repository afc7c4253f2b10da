package dev.annex.apiserver.storage.memory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.CopiedOnRead;
import dev.annex.apiserver.storage.ChangeWindow;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * Every object under one read-write lock: reads share it, writes take it exclusively, so a list is
 * a consistent snapshot and watchers see writes in resourceVersion order. The last
 * {@code historySize} changes are kept ({@link ChangeWindow}) so watches and exact-version lists
 * can start in the past; older versions answer {@link StorageException.Kind#EXPIRED}, like a
 * compacted etcd. A list of the current objects carries their kept encodings (as the watch
 * cache's do), so it is sent without copying or encoding them again.
 */
public final class MemoryStorage implements Storage {

  public static final int DEFAULT_HISTORY_SIZE = 10_000;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final NavigableMap<String, ObjectNode> objects = new TreeMap<>();
  /** Each current object with its JSON, encoded by the first list after its last write: lists send these bytes. */
  private final Map<String, ListResult.Encoded> encoded = new HashMap<>();
  private final ChangeWindow history;
  private final List<MemoryWatch> watchers = new CopyOnWriteArrayList<>();
  private long resourceVersion;

  public MemoryStorage() {
    this(DEFAULT_HISTORY_SIZE);
  }

  public MemoryStorage(int historySize) {
    this.history = new ChangeWindow(historySize);
  }

  @Override
  public Optional<ObjectNode> get(String key) {
    lock.readLock().lock();
    try {
      ObjectNode o = objects.get(key);
      return o == null ? Optional.empty() : Optional.of(o.deepCopy());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public ListResult list(String prefix, ListOptions options) {
    lock.readLock().lock();
    try {
      long at = options.resourceVersion() == 0 ? resourceVersion : options.resourceVersion();
      NavigableMap<String, ObjectNode> view = at == resourceVersion ? objects : stateAt(prefix, at);
      String from = options.startKey() == null || options.startKey().compareTo(prefix) < 0 ? prefix : options.startKey();
      boolean current = view == objects; // encodings are kept for the current objects only
      List<ObjectNode> items = new ArrayList<>();
      List<ListResult.Encoded> encodings = current ? new ArrayList<>() : null;
      String nextKey = null;
      long remaining = 0;
      Iterator<Map.Entry<String, ObjectNode>> it = view.tailMap(from, true).entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, ObjectNode> e = it.next();
        if (!e.getKey().startsWith(prefix)) {
          break;
        }
        if (!options.filter().test(e.getValue())) {
          continue;
        }
        if (options.limit() > 0 && items.size() == options.limit()) {
          if (nextKey == null) {
            nextKey = e.getKey();
          }
          remaining++;
          if (options.filtered()) {
            break; // kube-apiserver does not count what remains of a filtered list
          }
          continue;
        }
        if (current) {
          items.add(e.getValue());
          encodings.add(encoded.get(e.getKey()));
        } else {
          items.add(e.getValue().deepCopy());
        }
      }
      long left = nextKey == null ? 0 : options.filtered() ? -1 : remaining;
      return current ? new ListResult(new CopiedOnRead(items), at, nextKey, left, encodings)
          : new ListResult(items, at, nextKey, left);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The objects under {@code prefix} as they were at {@code version}, rebuilt by undoing later changes. */
  private NavigableMap<String, ObjectNode> stateAt(String prefix, long version) {
    if (version > resourceVersion) {
      throw new StorageException(StorageException.Kind.EXPIRED, null,
          "Too large resource version: " + version + ", current: " + resourceVersion);
    }
    NavigableMap<String, ObjectNode> state = new TreeMap<>(objects.subMap(prefix, true, prefix + Character.MAX_VALUE, true));
    history.rollBack(state, prefix, version);
    return state;
  }

  @Override
  public ObjectNode create(String key, ObjectNode object) {
    lock.writeLock().lock();
    try {
      if (objects.containsKey(key)) {
        throw new StorageException(StorageException.Kind.KEY_EXISTS, key, "key exists: " + key);
      }
      return write(key, null, object.deepCopy());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public ObjectNode guaranteedUpdate(String key, UpdateFunction update) {
    lock.writeLock().lock();
    try {
      ObjectNode current = objects.get(key);
      if (current == null) {
        throw new StorageException(StorageException.Kind.NOT_FOUND, key, "key not found: " + key);
      }
      ObjectNode updated = update.apply(current.deepCopy());
      // The caller's copy may carry any resourceVersion; the stored one decides whether anything changed.
      updated.with("metadata").put("resourceVersion", current.path("metadata").path("resourceVersion").asText());
      if (updated.equals(current)) {
        return updated;
      }
      return write(key, current, updated.deepCopy());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public ObjectNode delete(String key, Predicate<ObjectNode> precondition) {
    lock.writeLock().lock();
    try {
      ObjectNode current = objects.get(key);
      if (current == null) {
        throw new StorageException(StorageException.Kind.NOT_FOUND, key, "key not found: " + key);
      }
      if (!precondition.test(current.deepCopy())) {
        throw new IllegalStateException("precondition rejected without an exception");
      }
      return write(key, current, null);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Applies one change under the write lock: new version, the map, the history, the watchers. */
  private ObjectNode write(String key, ObjectNode before, ObjectNode after) {
    long version = ++resourceVersion;
    ObjectNode stored;
    if (after != null) {
      after.with("metadata").put("resourceVersion", Long.toString(version));
      objects.put(key, after);
      encoded.put(key, new ListResult.Encoded(after));
      stored = after;
    } else {
      objects.remove(key);
      encoded.remove(key);
      stored = before.deepCopy();
      stored.with("metadata").put("resourceVersion", Long.toString(version));
    }
    history.add(key, version, before, after);
    // one copy for all watchers, so one encoding serves them all (as the watch cache): see WatchListener
    ObjectNode shared = watchers.isEmpty() ? null : stored.deepCopy();
    for (MemoryWatch w : watchers) {
      w.deliver(key, version, before, after, shared);
    }
    return stored.deepCopy();
  }

  @Override
  public Watch watch(String prefix, WatchOptions options, WatchListener listener) {
    // The write lock: no change can slip between the replayed past and the live stream.
    lock.writeLock().lock();
    try {
      MemoryWatch watch = new MemoryWatch(prefix, options.filter(), listener);
      if (options.initialEvents()) {
        for (Map.Entry<String, ObjectNode> e : objects.subMap(prefix, true, prefix + Character.MAX_VALUE, true).entrySet()) {
          if (options.filter().test(e.getValue())) {
            listener.onEvent(new WatchEvent(WatchEvent.Type.ADDED, e.getValue().deepCopy(), version(e.getValue()), false,
                e.getKey()));
          }
        }
        listener.onEvent(WatchEvent.bookmark(resourceVersion, true));
      } else {
        history.replay(options.resourceVersion(), watch::deliver);
      }
      watchers.add(watch);
      return watch;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static long version(ObjectNode o) {
    return Long.parseLong(o.path("metadata").path("resourceVersion").asText("0"));
  }

  @Override
  public long currentResourceVersion() {
    lock.readLock().lock();
    try {
      return resourceVersion;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void close() {
    for (MemoryWatch w : watchers) {
      w.close();
      w.listener.onClose();
    }
  }

  private final class MemoryWatch implements Watch {
    private final String prefix;
    private final Predicate<ObjectNode> filter;
    private final WatchListener listener;
    private volatile boolean closed;

    MemoryWatch(String prefix, Predicate<ObjectNode> filter, WatchListener listener) {
      this.prefix = prefix;
      this.filter = filter;
      this.listener = listener;
    }

    /**
     * Turns one change (the object's states before and after it, null where it did not exist) into
     * the event this watcher sees, if any (called under the write lock). {@code current} is handed
     * on as it is: a copy the caller made for this change's watchers.
     */
    void deliver(String key, long version, ObjectNode before, ObjectNode after, ObjectNode current) {
      if (!closed && key.startsWith(prefix)) {
        WatchEvent.seenThrough(filter, key, version, before, after, current).ifPresent(listener::onEvent);
      }
    }

    @Override
    public void bookmark() {
      lock.writeLock().lock();
      try {
        if (!closed) {
          listener.onEvent(WatchEvent.bookmark(resourceVersion, false));
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    @Override
    public void close() {
      closed = true;
      watchers.remove(this);
    }
  }
}
