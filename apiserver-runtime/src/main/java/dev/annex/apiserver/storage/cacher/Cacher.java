package dev.annex.apiserver.storage.cacher;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The watch cache in front of a storage, as kube-apiserver's cacher: one list and one watch of the
 * whole storage keep a copy of every object and a window of the last {@code capacity} changes
 * ({@link ChangeWindow}).
 * Watches are served from it (N watchers cost one backend watch), as are lists that accept any
 * version ({@code resourceVersion=0}), and consistent gets and unpaged lists once the cache has
 * seen etcd's current revision (one revision read shared by the requests that arrive while
 * another is in flight). Each object's JSON (and its metadata's, for Tables) is encoded by the
 * first list after its last change and kept, so later lists need not encode it again. Exact and
 * paged lists and all writes go to the backend, an update starting from the cached object (the
 * backend checks it is current, as k8s does).
 * A watch from before the window is 410 Gone; one from after the cache's version waits (3 s at
 * most, as kube-apiserver) until the cache has caught up. When the backend watch ends (etcd
 * compacted past it), every cached watch ends too and the cache re-lists.
 */
public final class Cacher implements Storage {

  private static final Logger LOG = LoggerFactory.getLogger(Cacher.class);
  static final Duration FRESHNESS_WAIT = Duration.ofSeconds(3);
  private static final long RETRY_MILLIS = 1000;

  private final Storage delegate;
  private final FreshRevision fresh;
  private final ScheduledExecutorService executor;
  private final Object lock = new Object();

  // guarded by lock
  private final NavigableMap<String, ObjectNode> objects = new TreeMap<>();
  /** Each cached object with its JSON, encoded once per change when a list first needs it: a list from the cache is mostly these bytes. */
  private final Map<String, ListResult.Encoded> encoded = new HashMap<>();
  private final ChangeWindow history;
  private final List<CacheWatch> watchers = new ArrayList<>();
  private long resourceVersion;
  private boolean ready;
  private boolean closed;
  private Watch upstream;
  /** Bumped for every backend watch, so callbacks of an ended one are ignored. */
  private int generation;

  public Cacher(Storage delegate, int capacity) {
    this.delegate = delegate;
    this.fresh = new FreshRevision(delegate::currentResourceVersion);
    this.history = new ChangeWindow(capacity);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "watch-cache");
      t.setDaemon(true);
      return t;
    });
    initialize(); // at once when the backend answers, so the first watches need not wait
  }

  // ---- filling the cache: one list, then one watch from its version ----

  private void initialize() {
    int current;
    synchronized (lock) {
      if (closed) {
        return;
      }
      current = ++generation;
    }
    try {
      List<String> keys = new ArrayList<>();
      List<ObjectNode> items = new ArrayList<>();
      // the whole storage at one version, kept with keys (a watch with initial events carries them)
      Watch watch = delegate.watch("/", new WatchOptions(0, true, o -> true), new WatchListener() {
        @Override
        public void onEvent(WatchEvent event) {
          receive(current, event, keys, items);
        }

        @Override
        public void onClose() {
          ended(current);
        }
      });
      synchronized (lock) {
        if (closed || current != generation) {
          watch.close();
          return;
        }
        upstream = watch;
      }
    } catch (StorageException e) {
      LOG.info("watch cache: the backend is not reachable ({}); retrying in {}ms", e.getMessage(), RETRY_MILLIS);
      later(RETRY_MILLIS, this::initialize);
    }
  }

  /** The backend watch's events: first the initial state, then changes, then bookmarks. */
  private void receive(int from, WatchEvent event, List<String> initialKeys, List<ObjectNode> initialItems) {
    synchronized (lock) {
      if (closed || from != generation) {
        return;
      }
      if (!ready) {
        if (event.type() == WatchEvent.Type.ADDED) {
          initialKeys.add(event.key());
          initialItems.add(event.object());
        } else if (event.type() == WatchEvent.Type.BOOKMARK && event.initialEventsEnd()) {
          objects.clear();
          encoded.clear();
          for (int i = 0; i < initialKeys.size(); i++) {
            objects.put(initialKeys.get(i), initialItems.get(i));
            encoded.put(initialKeys.get(i), new ListResult.Encoded(initialItems.get(i)));
          }
          resourceVersion = event.resourceVersion();
          history.reset(resourceVersion);
          ready = true;
          LOG.info("watch cache ready at resourceVersion {} with {} objects", resourceVersion, objects.size());
          lock.notifyAll();
        }
        return;
      }
      if (event.type() == WatchEvent.Type.BOOKMARK) {
        resourceVersion = Math.max(resourceVersion, event.resourceVersion());
        lock.notifyAll();
        return;
      }
      String key = event.key();
      ObjectNode before = objects.get(key);
      ObjectNode after = event.type() == WatchEvent.Type.DELETED ? null : event.object();
      if (after == null) {
        objects.remove(key);
        encoded.remove(key);
      } else {
        objects.put(key, after);
        encoded.put(key, new ListResult.Encoded(after));
      }
      history.add(key, event.resourceVersion(), before, after);
      resourceVersion = event.resourceVersion();
      // one copy for all watchers (the cached object stays untouched): see WatchListener
      ObjectNode shared = watchers.isEmpty() ? null : (after != null ? after : event.object()).deepCopy();
      for (CacheWatch w : watchers) {
        w.deliver(key, resourceVersion, before, after, shared);
      }
      lock.notifyAll();
    }
  }

  /** The backend watch ended (compaction): end every cached watch, then list and watch again. */
  private void ended(int from) {
    List<CacheWatch> ending;
    synchronized (lock) {
      if (closed || from != generation) {
        return;
      }
      ready = false;
      upstream = null;
      ending = new ArrayList<>(watchers);
      watchers.clear();
    }
    LOG.info("watch cache: the backend watch ended; ending {} watches and re-listing", ending.size());
    for (CacheWatch w : ending) {
      w.end();
    }
    later(0, this::initialize);
  }

  /**
   * Waits until the cache has seen {@code version}, asking the backend for progress (a bookmark)
   * while it waits: writes elsewhere in etcd advance the revision without an event for this cache.
   */
  private void waitUntilFresh(long version) {
    long deadline = System.nanoTime() + FRESHNESS_WAIT.toNanos();
    while (true) {
      Watch progress;
      synchronized (lock) {
        awaitReady(deadline);
        if (resourceVersion >= version) {
          return;
        }
        progress = upstream;
      }
      if (progress != null) {
        progress.bookmark(); // outside the lock: the backend calls back into it
      }
      synchronized (lock) {
        long left = deadline - System.nanoTime();
        if (resourceVersion >= version) {
          return;
        }
        if (left <= 0) {
          throw new StorageException(StorageException.Kind.TIMEOUT, null,
              "Too large resource version: " + version + ", current: " + resourceVersion);
        }
        try {
          lock.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StorageException(StorageException.Kind.TIMEOUT, null, "interrupted while waiting for the watch cache");
        }
      }
    }
  }

  /** Holding the lock: waits until the cache is filled, or fails as a storage still initializing. */
  private void awaitReady(long deadline) {
    while (!ready) {
      long left = deadline - System.nanoTime();
      if (closed || left <= 0) {
        throw new StorageException(StorageException.Kind.UNAVAILABLE, null,
            "storage is (re)initializing: the watch cache is not filled yet");
      }
      try {
        lock.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException(StorageException.Kind.UNAVAILABLE, null, "interrupted while waiting for the watch cache");
      }
    }
  }

  // ---- reads ----

  /**
   * A consistent get: from the cache when it has already seen etcd's current revision (a read that
   * many concurrent requests share, see {@link FreshRevision}), else from etcd, as kube-apiserver
   * always reads a get. A get never waits for the cache: one that lags (a write elsewhere in etcd
   * moved the revision) is asked for progress, so the next gets find it caught up.
   */
  @Override
  public Optional<ObjectNode> get(String key) {
    long current;
    try {
      current = fresh.get();
    } catch (StorageException e) {
      return delegate.get(key); // answers with the backend's own error
    }
    Watch lagging;
    synchronized (lock) {
      if (ready && resourceVersion >= current) {
        ObjectNode cached = objects.get(key);
        return Optional.ofNullable(cached).map(ObjectNode::deepCopy); // replaced, never changed: safe to copy
      }
      lagging = upstream;
    }
    if (lagging != null) {
      lagging.bookmark();
    }
    return delegate.get(key);
  }

  @Override
  public ListResult list(String prefix, ListOptions options) {
    if (options.startKey() != null || options.resourceVersion() != 0) {
      return delegate.list(prefix, options);
    }
    if (!options.anyVersion()) {
      // A consistent list, as kube-apiserver's ConsistentListFromCache: etcd's current revision
      // (a count-only read), then the cache once it has seen that revision, instead of reading and
      // decoding every object from etcd. Paged lists and a cache that cannot catch up go to etcd.
      if (options.limit() > 0) {
        return delegate.list(prefix, options);
      }
      try {
        waitUntilFresh(fresh.get());
      } catch (StorageException e) {
        return delegate.list(prefix, options);
      }
    }
    synchronized (lock) {
      awaitReady(System.nanoTime() + FRESHNESS_WAIT.toNanos());
      List<ObjectNode> items = new ArrayList<>();
      List<ListResult.Encoded> encodings = new ArrayList<>();
      String nextKey = null;
      long remaining = 0;
      for (Map.Entry<String, ObjectNode> e : objects.tailMap(prefix, true).entrySet()) {
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
            break;
          }
          continue;
        }
        items.add(e.getValue());
        encodings.add(encoded.get(e.getKey()));
      }
      return new ListResult(new CopiedOnRead(items), resourceVersion, nextKey,
          nextKey == null ? 0 : options.filtered() ? -1 : remaining, encodings);
    }
  }

  @Override
  public long currentResourceVersion() {
    return fresh.get();
  }

  // ---- writes go to the backend; the cache learns of them through its watch ----

  @Override
  public ObjectNode create(String key, ObjectNode object) {
    return delegate.create(key, object);
  }

  @Override
  public ObjectNode guaranteedUpdate(String key, UpdateFunction update) {
    ObjectNode cached;
    synchronized (lock) {
      cached = ready ? objects.get(key) : null; // cached objects are replaced, never changed in place
    }
    return delegate.guaranteedUpdate(key, update, cached);
  }

  @Override
  public ObjectNode delete(String key, Predicate<ObjectNode> precondition) {
    return delegate.delete(key, precondition);
  }

  // ---- watches ----

  @Override
  public Watch watch(String prefix, WatchOptions options, WatchListener listener) {
    // Consistent with the backend: a watch never starts from a cache that lags behind a version
    // the client may already have seen (from this replica or another one).
    long backend = fresh.get();
    waitUntilFresh(Math.max(backend, options.initialEvents() ? 0 : options.resourceVersion()));
    synchronized (lock) {
      CacheWatch watch = new CacheWatch(prefix, options.filter(), listener);
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
    }
  }

  private static long version(ObjectNode o) {
    return Long.parseLong(o.path("metadata").path("resourceVersion").asText("0"));
  }

  private void later(long delayMillis, Runnable task) {
    try {
      executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException cacheClosed) {
      // closing: nothing more to do
    }
  }

  /** How many watches the cache serves (one backend watch feeds them all). */
  public int watcherCount() {
    synchronized (lock) {
      return watchers.size();
    }
  }

  @Override
  public void close() {
    Watch running;
    List<CacheWatch> ending;
    synchronized (lock) {
      closed = true;
      running = upstream;
      ending = new ArrayList<>(watchers);
      watchers.clear();
      lock.notifyAll();
    }
    if (running != null) {
      running.close();
    }
    ending.forEach(CacheWatch::end);
    executor.shutdownNow();
    delegate.close();
  }

  private final class CacheWatch implements Watch {
    private final String prefix;
    private final Predicate<ObjectNode> filter;
    private final WatchListener listener;
    private boolean stopped; // guarded by lock

    CacheWatch(String prefix, Predicate<ObjectNode> filter, WatchListener listener) {
      this.prefix = prefix;
      this.filter = filter;
      this.listener = listener;
    }

    /**
     * Turns one change (the object's states before and after it, null where it did not exist) into
     * the event this watcher sees, if any (holding the lock). {@code current} is handed on as it
     * is: a copy the caller made for this change's watchers.
     */
    void deliver(String key, long version, ObjectNode before, ObjectNode after, ObjectNode current) {
      if (!stopped && key.startsWith(prefix)) {
        WatchEvent.seenThrough(filter, key, version, before, after, current).ifPresent(listener::onEvent);
      }
    }

    /** A bookmark at the backend's current version, once the cache has seen it; ordered after every event sent. */
    @Override
    public void bookmark() {
      later(0, () -> {
        try {
          waitUntilFresh(fresh.get());
        } catch (StorageException e) {
          LOG.debug("bookmark skipped: {}", e.getMessage());
          return;
        }
        synchronized (lock) {
          if (!stopped) {
            listener.onEvent(WatchEvent.bookmark(resourceVersion, false));
          }
        }
      });
    }

    void end() {
      synchronized (lock) {
        stopped = true;
      }
      listener.onClose();
    }

    @Override
    public void close() {
      synchronized (lock) {
        stopped = true;
        watchers.remove(this);
      }
    }
  }
}
