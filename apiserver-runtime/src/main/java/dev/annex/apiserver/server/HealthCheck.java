package dev.annex.apiserver.server;

/**
 * One named check behind {@code /healthz} and {@code /readyz} (as kube-apiserver's
 * {@code healthz.HealthChecker}): the probe returns normally when healthy and throws with the
 * reason otherwise. It must answer within a few seconds.
 */
public record HealthCheck(String name, Probe probe) {

  @FunctionalInterface
  public interface Probe {
    void check() throws Exception;
  }

  void check() throws Exception {
    probe.check();
  }
}
