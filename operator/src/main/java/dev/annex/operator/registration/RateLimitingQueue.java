package dev.annex.operator.registration;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A work queue keyed by name, with client-go's workqueue semantics: a key is queued at most once,
 * a key being worked on is never handed to a second worker (a change meanwhile queues it again when
 * the first worker is done), and a key that failed comes back after a per-key exponential backoff.
 */
final class RateLimitingQueue implements AutoCloseable {
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final ScheduledExecutorService delayed;
  private boolean shuttingDown;

  RateLimitingQueue(String name, Duration baseDelay, Duration maxDelay) {
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.delayed = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name + "-delay");
      t.setDaemon(true);
      return t;
    });
  }

  synchronized void add(String key) {
    if (shuttingDown || !dirty.add(key)) {
      return;
    }
    if (!processing.contains(key)) {
      queue.add(key);
      notifyAll();
    }
  }

  void addAfter(String key, Duration delay) {
    synchronized (this) {
      if (shuttingDown) {
        return;
      }
    }
    delayed.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Queues the key again after its backoff: base * 2^failures, capped. */
  void addRateLimited(String key) {
    int n;
    synchronized (this) {
      n = failures.merge(key, 1, Integer::sum);
    }
    addAfter(key, backoff(n));
  }

  Duration backoff(int failureCount) {
    long factor = 1L << Math.min(failureCount - 1, 30);
    long millis = baseDelay.toMillis() * factor;
    return millis > maxDelay.toMillis() || millis < 0 ? maxDelay : Duration.ofMillis(millis);
  }

  /** Clears the key's failure history: its next failure starts the backoff again from the base delay. */
  synchronized void forget(String key) {
    failures.remove(key);
  }

  synchronized int retries(String key) {
    return failures.getOrDefault(key, 0);
  }

  /** The next key to work on; empty after {@code timeout} or once the queue shuts down. */
  synchronized Optional<String> get(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (queue.isEmpty() && !shuttingDown) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    if (queue.isEmpty()) {
      return Optional.empty();
    }
    String key = queue.poll();
    processing.add(key);
    dirty.remove(key);
    return Optional.of(key);
  }

  /** Must follow every {@link #get}: a key changed while it was worked on is queued again now. */
  synchronized void done(String key) {
    processing.remove(key);
    if (dirty.contains(key)) {
      queue.add(key);
      notifyAll();
    }
  }

  synchronized int depth() {
    return queue.size();
  }

  synchronized boolean isShuttingDown() {
    return shuttingDown;
  }

  @Override
  public void close() {
    synchronized (this) {
      shuttingDown = true;
      notifyAll();
    }
    delayed.shutdownNow();
  }
}
