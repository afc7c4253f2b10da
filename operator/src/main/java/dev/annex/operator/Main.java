package dev.annex.operator;

import dev.annex.operator.metrics.MetricsServer;
import dev.annex.operator.metrics.ReconcileMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator against the cluster of the current kubeconfig (or the in-cluster account),
 * with {@code /metrics} and {@code /healthz} on {@code ANNEX_METRICS_PORT} (default 8080). Whether the
 * backend probe may dial Service addresses comes from {@code ANNEX_SERVICE_NETWORK} or, unset, from
 * whether it runs in a pod.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().build();
    ReconcileMetrics metrics = new ReconcileMetrics();
    AnnexOperator.Settings settings = AnnexOperator.Settings.production();
    Operator operator = AnnexOperator.create(client, metrics, settings);
    int port = Integer.parseInt(System.getenv().getOrDefault("ANNEX_METRICS_PORT", "8080"));
    MetricsServer server = new MetricsServer(port, metrics, () -> operator.getRuntimeInfo().allEventSourcesAreHealthy());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.stop();
      server.close();
      client.close();
    }, "annex-shutdown"));
    operator.start();
    log.info("started server={} metricsPort={} serviceNetwork={}", client.getMasterUrl(), server.port(),
        settings.serviceNetwork());
  }
}
