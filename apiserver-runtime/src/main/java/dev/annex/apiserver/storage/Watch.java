package dev.annex.apiserver.storage;

/** A running watch. */
public interface Watch extends AutoCloseable {

  /** Delivers a BOOKMARK at the current resourceVersion, ordered after every event already sent. */
  void bookmark();

  /** Stops delivery; idempotent. */
  @Override
  void close();
}
