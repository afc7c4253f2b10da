package dev.annex.apiserver.storage;

/**
 * Receives a watch's events in resourceVersion order. Called on the writer's thread while the
 * backend keeps the order, so it must only hand the event on (enqueue, schedule a write). The
 * watch cache hands every watcher of one change the same object (so one encoding can serve them
 * all, as k8s's {@code cachingObject}): a listener may set {@code apiVersion} and {@code kind} on it,
 * but must be done with it when it returns.
 */
public interface WatchListener {

  void onEvent(WatchEvent event);

  /** The backend ended the watch (closed or fell too far behind); no event follows. */
  default void onClose() {
  }
}
