package dev.annex.local;

import dev.annex.operator.AnnexOperator;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.External;
import dev.annex.operator.metrics.ReconcileMetrics;
import dev.annex.operator.status.Conditions;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.RepositoryScripts;
import dev.annex.testing.waiting.Waits;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Annex on a local control plane: the CRD installed, the operator running in-process with its
 * production configuration (server-side apply on), and for each {@code AggregatedApi} applied with
 * {@link #applyWithLocalRuntime} a runtime process behind an external backend. {@link #main} is
 * {@code make run}.
 */
public final class LocalAnnex implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalAnnex.class);
  public static final Duration CRD_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  static final Duration OPERATOR_TOKEN_LIFETIME = Duration.ofHours(24);

  private final ControlPlane plane;
  private final KubernetesClient operatorClient;
  private final Operator operator;
  private final ReconcileMetrics metrics = new ReconcileMetrics();
  private final Path runtimeJar;
  private final List<LocalRuntime> runtimes = new ArrayList<>();

  private LocalAnnex(ControlPlane plane, KubernetesClient operatorClient, Path runtimeJar) {
    this.plane = plane;
    this.operatorClient = operatorClient;
    this.runtimeJar = runtimeJar;
    this.operator = AnnexOperator.create(operatorClient, metrics, AnnexOperator.Settings.production());
  }

  /**
   * Installs the CRD with the admin client and starts the operator with {@code operatorClient}
   * (which the caller owns), on {@code plane}.
   */
  public static LocalAnnex start(ControlPlane plane, KubernetesClient operatorClient, Path runtimeJar) {
    installCrd(plane.adminClient(), RepositoryScripts.root().resolve("crds/aggregatedapis.annex.dev-v1.yml"));
    LocalAnnex annex = new LocalAnnex(plane, operatorClient, runtimeJar);
    annex.operator.start();
    return annex;
  }

  /**
   * {@code deploy/annex.yaml} applied (its Deployment only validated: no node runs it here) and a
   * client with a token of its ServiceAccount, so the operator holds exactly the RBAC users install.
   * The caller closes the client.
   */
  public static KubernetesClient operatorClientAsInstalled(ControlPlane plane) {
    KubernetesClient admin = plane.adminClient();
    List<HasMetadata> objects;
    try (InputStream in = Files.newInputStream(RepositoryScripts.root().resolve("deploy/annex.yaml"))) {
      objects = admin.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read deploy/annex.yaml", e);
    }
    ServiceAccount account = null;
    for (HasMetadata object : objects) {
      if (object instanceof Deployment) {
        admin.resource(object).dryRun().create();
      } else {
        admin.resource(object).fieldManager("kubectl").forceConflicts().serverSideApply();
      }
      if (object instanceof ServiceAccount sa) {
        account = sa;
      }
    }
    if (account == null) {
      throw new IllegalStateException("deploy/annex.yaml has no ServiceAccount for the operator");
    }
    String token = admin.serviceAccounts().inNamespace(account.getMetadata().getNamespace())
        .withName(account.getMetadata().getName())
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(OPERATOR_TOKEN_LIFETIME.toSeconds())
            .endSpec().build()).getStatus().getToken();
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
        .withMasterUrl(plane.apiServerUrl().toString())
        .withCaCertFile(plane.clusterCa().certFile().toString())
        .withOauthToken(token).build()).build();
  }

  public static void installCrd(KubernetesClient admin, Path file) {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(file)) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    admin.resource(crd).forceConflicts().fieldManager("annex-local").serverSideApply();
    admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
        .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
            .anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
            CRD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  public ControlPlane controlPlane() {
    return plane;
  }

  public ReconcileMetrics metrics() {
    return metrics;
  }

  /**
   * Applies {@code api} (its namespace created when missing) with {@code spec.external} set to a free
   * port on localhost, then runs its runtime there once the operator has written the certificate
   * and definition. {@code runtimeArgs} are added to the runtime's flags at every start.
   */
  public LocalRuntime applyWithLocalRuntime(AggregatedApi api, java.util.function.Supplier<List<String>> runtimeArgs) {
    KubernetesClient admin = plane.adminClient();
    String namespace = api.getMetadata().getNamespace();
    if (admin.namespaces().withName(namespace).get() == null) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    External external = new External();
    external.host = "localhost";
    external.port = freePort();
    api.getSpec().external = external;
    admin.resource(api).fieldManager("kubectl").forceConflicts().serverSideApply();
    Path dir = plane.directory().resolve("runtimes").resolve(namespace + "-" + api.getMetadata().getName());
    LocalRuntime runtime = LocalRuntime.start(admin, api, dir, runtimeJar, runtimeArgs);
    runtimes.add(runtime);
    return runtime;
  }

  /** Waits until the {@code AggregatedApi} says {@code Ready=True}, failing with its conditions. */
  public AggregatedApi awaitReady(String namespace, String name, Duration timeout) {
    var apis = plane.adminClient().resources(AggregatedApi.class).inNamespace(namespace).withName(name);
    return Waits.until("AggregatedApi " + namespace + "/" + name + " to be Ready", timeout, () -> {
      AggregatedApi api = apis.get();
      return api != null && api.getStatus() != null && Conditions.isTrue(api.getStatus().conditions, Conditions.READY)
          ? api : null;
    }, () -> "; conditions:\n" + describe(apis.get()));
  }

  /** The {@code AggregatedApi} once {@code type} is True, or empty if it is not within {@code timeout}. */
  public java.util.Optional<AggregatedApi> awaitCondition(String namespace, String name, String type, Duration timeout) {
    var apis = plane.adminClient().resources(AggregatedApi.class).inNamespace(namespace).withName(name);
    try {
      return java.util.Optional.of(Waits.until(type + " of AggregatedApi " + namespace + "/" + name, timeout, () -> {
        AggregatedApi api = apis.get();
        return api != null && api.getStatus() != null && Conditions.isTrue(api.getStatus().conditions, type) ? api : null;
      }));
    } catch (IllegalStateException notYet) {
      return java.util.Optional.empty();
    }
  }

  /** The conditions of {@code api} as {@code kubectl describe} lists them. */
  public static String describe(AggregatedApi api) {
    return Conditions.describe(api == null || api.getStatus() == null ? null : api.getStatus().conditions);
  }

  @Override
  public void close() {
    runtimes.forEach(LocalRuntime::close);
    operator.stop();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code make run}: a local control plane, the operator, {@code examples/wardle.yaml} (or the file
   * given) with its runtime; prints the conditions and an {@code export KUBECONFIG=} line, then serves
   * until Ctrl-C and stops everything it started.
   */
  public static void main(String[] args) throws Exception {
    Path root = RepositoryScripts.root();
    Path example = args.length > 0 ? Path.of(args[0]) : root.resolve("examples/wardle.yaml");
    Path work = Files.createDirectories(root.resolve("target/local"));
    Path dir = Files.createTempDirectory(work, "run-");
    Instant started = Instant.now();
    ControlPlane plane = ControlPlane.start(dir, true);
    LocalAnnex annex;
    KubernetesClient operatorClient;
    try {
      operatorClient = operatorClientAsInstalled(plane);
      annex = start(plane, operatorClient, LocalRuntime.defaultJar(root));
    } catch (RuntimeException e) {
      plane.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      annex.close();
      operatorClient.close();
      plane.close();
      stopped.countDown();
    }, "annex-local-shutdown"));

    AggregatedApi api;
    try (InputStream in = Files.newInputStream(example)) {
      api = Serialization.unmarshal(in, AggregatedApi.class);
    }
    LocalRuntime runtime = annex.applyWithLocalRuntime(api, RuntimeAuthentication.forLocalRuntime(plane, api));
    annex.awaitReady(api.getMetadata().getNamespace(), api.getMetadata().getName(), READY_TIMEOUT);
    // The operator's own probe may have run before the runtime was up; give its quicker re-check a moment.
    AggregatedApi ready = annex.awaitCondition(api.getMetadata().getNamespace(), api.getMetadata().getName(),
        Conditions.BACKEND_REACHABLE, Duration.ofSeconds(20)).orElseGet(() -> annex.awaitReady(
            api.getMetadata().getNamespace(), api.getMetadata().getName(), READY_TIMEOUT));
    System.out.printf("%nAggregatedApi %s/%s (group %s) is Ready after %d s; runtime pid %d on localhost:%d, log %s%n%s%n",
        ready.getMetadata().getNamespace(), ready.getMetadata().getName(), ready.getSpec().group,
        Duration.between(started, Instant.now()).toSeconds(), runtime.process().pid(), runtime.port(),
        runtime.process().log(), describe(ready));
    System.out.printf("Use it from another shell:%n  export KUBECONFIG=%s%n  kubectl get aa -A%n"
        + "  kubectl api-resources --api-group=%s%n%nCtrl-C stops the runtime, the operator and the control plane.%n",
        plane.adminKubeconfig(), ready.getSpec().group);
    log.info("serving kubeconfig={} dir={}", plane.adminKubeconfig(), dir);
    stopped.await();
  }
}
