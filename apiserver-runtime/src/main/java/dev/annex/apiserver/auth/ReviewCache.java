package dev.annex.apiserver.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Answers of the kube-apiserver kept for a while, as k8s's token and SubjectAccessReview caches do:
 * a positive answer for one TTL, a negative one for another; errors are never kept. Bounded: past
 * {@code maxEntries} the expired entries go, and if that is not enough, all of them.
 */
final class ReviewCache<K, V> {

  private record Entry<V>(V value, long expiresAtNanos) {
  }

  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final LongSupplier nanoTime;

  ReviewCache(int maxEntries, LongSupplier nanoTime) {
    this.maxEntries = maxEntries;
    this.nanoTime = nanoTime;
  }

  V get(K key) {
    Entry<V> e = entries.get(key);
    if (e == null) {
      return null;
    }
    if (nanoTime.getAsLong() - e.expiresAtNanos() >= 0) {
      entries.remove(key, e);
      return null;
    }
    return e.value();
  }

  void put(K key, V value, Duration ttl) {
    if (ttl.isZero() || ttl.isNegative()) {
      return;
    }
    if (entries.size() >= maxEntries) {
      long now = nanoTime.getAsLong();
      entries.values().removeIf(e -> now - e.expiresAtNanos() >= 0);
      if (entries.size() >= maxEntries) {
        entries.clear();
      }
    }
    entries.put(key, new Entry<>(value, nanoTime.getAsLong() + ttl.toNanos()));
  }
}
