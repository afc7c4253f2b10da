package dev.annex.apiserver.storage.etcd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One etcd watch on a key prefix, kept alive across dropped connections. It remembers the revision
 * up to which it delivered every event and, when the stream breaks, opens a new etcd watch from
 * the revision after it, so nothing is lost; events at or below it are dropped, so nothing repeats.
 * (jetcd resumes a broken watch by itself, but from the revision of its creation response, which
 * can skip events not yet sent; so its resume is switched off by closing the broken watcher.)
 * A compacted revision ends the watch ({@link WatchListener#onClose()}): the watcher must re-list.
 */
final class EtcdWatch implements Watch {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);
  private static final long FIRST_RETRY_MILLIS = 250;
  private static final long MAX_RETRY_MILLIS = 2000;

  private final EtcdStorage storage;
  private final String prefix;
  private final Predicate<ObjectNode> filter;
  private final WatchListener listener;

  // guarded by this
  private long delivered;
  private io.etcd.jetcd.Watch.Watcher watcher;
  /** Bumped for every etcd watcher opened, so callbacks of a replaced one are ignored. */
  private int generation;
  private long retryMillis = FIRST_RETRY_MILLIS;
  private boolean resuming;
  /** When the progress request in flight was sent (0: none); guarded by {@link #progressLock}. */
  private long progressAskedNanos;
  private final Object progressLock = new Object();
  /** A progress request unanswered this long is asked again (the stream may have broken under it). */
  private static final long PROGRESS_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private boolean closed;

  EtcdWatch(EtcdStorage storage, String prefix, Predicate<ObjectNode> filter, WatchListener listener) {
    this.storage = storage;
    this.prefix = prefix;
    this.filter = filter;
    this.listener = listener;
  }

  /** Sends {@code state} as ADDED events and the end-of-initial-events bookmark, then streams changes after it. */
  synchronized void startWithInitialEvents(List<String> keys, ListResult state) {
    for (int i = 0; i < keys.size(); i++) {
      ObjectNode o = state.items().get(i);
      if (filter.test(o)) {
        listener.onEvent(new WatchEvent(WatchEvent.Type.ADDED, o, version(o), false, keys.get(i)));
      }
    }
    listener.onEvent(WatchEvent.bookmark(state.resourceVersion(), true));
    delivered = state.resourceVersion();
    open();
  }

  synchronized void startAfter(long revision) {
    delivered = revision;
    open();
  }

  /** Opens an etcd watch from the revision after the last delivered one (holding the lock). */
  private void open() {
    int current = ++generation;
    WatchOption option = WatchOption.builder()
        .isPrefix(true)
        .withPrevKV(true) // the state before a change: filtered watchers see objects leave as DELETED
        .withProgressNotify(true)
        .withRevision(delivered + 1)
        .build();
    watcher = storage.client().getWatchClient().watch(storage.etcdKey(prefix), option, new io.etcd.jetcd.Watch.Listener() {
      @Override
      public void onNext(WatchResponse response) {
        receive(current, response);
      }

      // jetcd calls these two holding its own lock: hand them to another thread, never take ours here
      @Override
      public void onError(Throwable error) {
        later(0, () -> broken(current, error));
      }

      @Override
      public void onCompleted() {
        later(0, () -> broken(current, null));
      }
    });
  }

  private synchronized void receive(int from, WatchResponse response) {
    if (closed || from != generation) {
      return;
    }
    retryMillis = FIRST_RETRY_MILLIS;
    if (resuming) {
      resuming = false;
      LOG.info("etcd watch on {} resumed after revision {}", prefix, delivered);
    }
    if (response.getEvents().isEmpty()) {
      // a progress notification: every event up to the header's revision was sent on this stream
      synchronized (progressLock) {
        progressAskedNanos = 0;
      }
      long revision = response.getHeader().getRevision();
      if (revision >= delivered) {
        delivered = revision;
        listener.onEvent(WatchEvent.bookmark(revision, false));
      }
      return;
    }
    for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
      long revision = e.getKeyValue().getModRevision();
      if (revision <= delivered) {
        continue; // sent before the stream broke
      }
      deliver(e, revision);
      delivered = revision;
    }
  }

  private void deliver(io.etcd.jetcd.watch.WatchEvent e, long revision) {
    KeyValue prev = e.getPrevKV();
    ObjectNode before = prev == null || prev.getCreateRevision() == 0 ? null : EtcdStorage.decode(prev);
    boolean put = e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT;
    ObjectNode after = put ? EtcdStorage.decode(e.getKeyValue()) : null;
    if (!put && before == null) {
      LOG.warn("etcd sent a deletion of {} without its previous state (compacted?); skipped",
          storage.storageKey(e.getKeyValue().getKey()));
      return;
    }
    boolean was = before != null && filter.test(before);
    boolean is = after != null && filter.test(after);
    var type = WatchEvent.typeOf(was, is);
    if (type.isEmpty()) {
      return;
    }
    ObjectNode object = after != null ? after : EtcdStorage.withVersion(before, revision);
    listener.onEvent(new WatchEvent(type.get(), object, revision, false, storage.storageKey(e.getKeyValue().getKey())));
  }

  /** The etcd stream of generation {@code from} ended: resume after the last delivered revision, or end. */
  private void broken(int from, Throwable error) {
    io.etcd.jetcd.Watch.Watcher old;
    boolean compacted = error != null && EtcdStorage.translate(error, prefix).kind() == StorageException.Kind.EXPIRED;
    long delay;
    synchronized (this) {
      if (closed || from != generation) {
        return;
      }
      old = watcher;
      generation++; // whatever the old watcher still sends is ignored from now on
      resuming = true;
      if (compacted) {
        closed = true;
      }
      delay = retryMillis;
      retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
    }
    old.close();
    if (compacted) {
      storage.forget(this);
      LOG.info("etcd watch on {} ended: revision {} was compacted; the watcher must re-list", prefix, delivered + 1);
      listener.onClose();
      return;
    }
    LOG.info("etcd watch on {} broke ({}); resuming after revision {} in {}ms", prefix,
        error == null ? "stream ended" : error.getMessage(), delivered, delay);
    later(delay, this::resume);
  }

  private synchronized void resume() {
    if (!closed) {
      open();
    }
  }

  private void later(long delayMillis, Runnable task) {
    try {
      storage.retries().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException storageClosed) {
      // the storage is closing: its watches end with it
    }
  }

  /**
   * Asks etcd for a progress notification; it arrives after every event sent so far, as a BOOKMARK.
   * One request at a time, as k8s's cacher coalesces them: its answer serves every caller waiting
   * meanwhile, and jetcd writes the request on the watch stream, which is not safe to write from
   * several threads at once (concurrent consistent lists corrupted it: etcd answered "proto:
   * WatchRequest: illegal tag 0" and the watch broke).
   */
  @Override
  public void bookmark() {
    io.etcd.jetcd.Watch.Watcher current;
    synchronized (this) {
      if (closed) {
        return;
      }
      current = watcher;
    }
    synchronized (progressLock) {
      long now = System.nanoTime();
      if (progressAskedNanos != 0 && now - progressAskedNanos < PROGRESS_RETRY_NANOS) {
        return; // one is in flight; its answer will do
      }
      progressAskedNanos = now == 0 ? 1 : now;
      current.requestProgress();
    }
  }

  @Override
  public void close() {
    io.etcd.jetcd.Watch.Watcher current;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      current = watcher;
    }
    storage.forget(this);
    current.close();
  }

  WatchListener listener() {
    return listener;
  }

  private static long version(ObjectNode o) {
    return Long.parseLong(o.path("metadata").path("resourceVersion").asText("0"));
  }
}
