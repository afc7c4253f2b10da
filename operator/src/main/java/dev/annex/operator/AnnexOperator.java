package dev.annex.operator;

import dev.annex.operator.AggregatedApiReconciler.ServiceNetwork;
import dev.annex.operator.metrics.ReconcileMetrics;
import dev.annex.operator.registration.AutoRegistrationController;
import dev.annex.operator.registration.DiscoveryProbe;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one place the operator is wired, for {@link Main} and for tests. Production keeps JOSDK's
 * server-side apply; {@code Settings#withoutServerSideApply} exists only for the mock API server,
 * which cannot apply.
 */
public final class AnnexOperator {
  /** Where a pod's service account token is mounted: present only inside the cluster. */
  private static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  /**
   * What differs between a real cluster and a test. {@code serviceNetwork}: whether the operator can
   * dial {@code <svc>.<ns>.svc} for its own backend probe; {@code verdictWait}: how long an APIService
   * may go without an aggregator-written {@code Available} condition before the operator says
   * {@code NoAggregatorVerdict}; {@code recheckInterval}: how often what no watch reports is looked at
   * again (the backend probe, an APIService of a wanted name that Annex does not own).
   */
  public record Settings(Clock clock, boolean serverSideApply, Duration maxReconcileInterval,
      ServiceNetwork serviceNetwork, Duration verdictWait, Duration recheckInterval) {

    public static Settings production() {
      return new Settings(Clock.systemUTC(), true, Duration.ofHours(1), serviceNetwork(System.getenv()),
          Duration.ofMinutes(1), Duration.ofSeconds(30));
    }

    public Settings withoutServerSideApply() {
      return new Settings(clock, false, maxReconcileInterval, serviceNetwork, verdictWait, recheckInterval);
    }

    /**
     * {@code ANNEX_SERVICE_NETWORK=reachable|unreachable} when set; otherwise reachable only inside a
     * pod (the service account token is mounted and {@code KUBERNETES_SERVICE_HOST} is set), since
     * Service DNS names do not resolve elsewhere.
     */
    static ServiceNetwork serviceNetwork(Map<String, String> env) {
      String configured = env.getOrDefault("ANNEX_SERVICE_NETWORK", "").trim().toLowerCase(Locale.ROOT);
      return switch (configured) {
        case "reachable" -> ServiceNetwork.REACHABLE;
        case "unreachable" -> ServiceNetwork.UNREACHABLE;
        case "" -> env.containsKey("KUBERNETES_SERVICE_HOST") && Files.exists(SERVICE_ACCOUNT_TOKEN)
            ? ServiceNetwork.REACHABLE : ServiceNetwork.UNREACHABLE;
        default -> throw new IllegalArgumentException("ANNEX_SERVICE_NETWORK must be reachable or unreachable, not \""
            + configured + "\"");
      };
    }
  }

  private AnnexOperator() {
  }

  /** The operator's own token, for its discovery probe: the pod's projected one, else the kubeconfig's. */
  static Optional<String> bearerToken(KubernetesClient client) {
    Path projected = Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH);
    try {
      if (Files.isReadable(projected)) {
        return Optional.of(Files.readString(projected).trim());
      }
    } catch (IOException e) {
      // fall back to the client's configuration
    }
    return Optional.ofNullable(client.getConfiguration().getOauthToken()).filter(t -> !t.isBlank());
  }

  public static Operator create(KubernetesClient client, ReconcileMetrics metrics, Settings settings) {
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withMetrics(metrics)
        .withCloseClientOnStop(false)
        .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply())
        .withUseSSAToPatchPrimaryResource(settings.serverSideApply()));
    var registrations = new AutoRegistrationController(client, metrics.registration(), 2,
        settings.recheckInterval());
    var probe = new DiscoveryProbe(settings.clock(), settings.recheckInterval(), 4, () -> bearerToken(client));
    operator.register(new AggregatedApiReconciler(settings.clock(), registrations, probe, settings.serviceNetwork(),
            settings.verdictWait()),
        o -> o.withReconciliationMaxInterval(settings.maxReconcileInterval()));
    return operator;
  }
}
