package dev.annex.apiserver.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether termination has begun, as k8s.io/apiserver's {@code ShutdownInitiated} signal: from then
 * on its "shutdown" check fails /readyz (and only /readyz, so the kubelet does not restart a pod
 * that is stopping on purpose).
 */
final class ShutdownState {

  private final AtomicBoolean initiated = new AtomicBoolean();
  private final Duration delay;
  private final Duration drainTimeout;

  ShutdownState(Duration delay, Duration drainTimeout) {
    this.delay = delay;
    this.drainTimeout = drainTimeout;
  }

  void begin() {
    initiated.set(true);
  }

  Duration delay() {
    return delay;
  }

  Duration drainTimeout() {
    return drainTimeout;
  }

  HealthCheck readyzCheck() {
    return new HealthCheck("shutdown", () -> {
      if (initiated.get()) {
        throw new IllegalStateException("process is shutting down");
      }
    });
  }
}
