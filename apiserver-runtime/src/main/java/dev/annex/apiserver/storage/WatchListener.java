package dev.annex.apiserver.storage;

/**
 * Receives a watch's events in resourceVersion order. Called on the writer's thread while the
 * backend keeps the order, so it must only hand the event on (enqueue, schedule a write).
 */
public interface WatchListener {

  void onEvent(WatchEvent event);

  /** The backend ended the watch (closed or fell too far behind); no event follows. */
  default void onClose() {
  }
}
