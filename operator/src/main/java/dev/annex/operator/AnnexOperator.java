package dev.annex.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;

import java.time.Clock;
import java.time.Duration;

/**
 * The one place the operator is wired, for {@link Main} and for tests. Production keeps JOSDK's
 * server-side apply; {@code Settings#withoutServerSideApply} exists only for the mock API server,
 * which cannot apply.
 */
public final class AnnexOperator {

  /** What differs between a real cluster and a test. */
  public record Settings(Clock clock, boolean serverSideApply, Duration maxReconcileInterval) {
    public static Settings production() {
      return new Settings(Clock.systemUTC(), true, Duration.ofHours(1));
    }

    public Settings withoutServerSideApply() {
      return new Settings(clock, false, maxReconcileInterval);
    }
  }

  private AnnexOperator() {
  }

  public static Operator create(KubernetesClient client, Metrics metrics, Settings settings) {
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withMetrics(metrics)
        .withCloseClientOnStop(false)
        .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply())
        .withUseSSAToPatchPrimaryResource(settings.serverSideApply()));
    operator.register(new AggregatedApiReconciler(settings.clock()),
        o -> o.withReconciliationMaxInterval(settings.maxReconcileInterval()));
    return operator;
  }
}
