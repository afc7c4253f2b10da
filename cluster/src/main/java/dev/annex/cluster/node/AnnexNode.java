package dev.annex.cluster.node;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.status.Conditions;
import dev.annex.testing.controlplane.RepositoryScripts;
import dev.annex.testing.kubectl.Kubectl;
import dev.annex.testing.node.NodeCluster;
import dev.annex.testing.waiting.Waits;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A one-node cluster with Annex's images in its containerd and an etcd for storage, on which Annex
 * is installed and used as a user does it: {@code kubectl apply -f deploy/annex.yaml}, then
 * {@code kubectl apply -f examples/...}. Closing it stops and removes everything the node made.
 */
public final class AnnexNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AnnexNode.class);
  public static final String OPERATOR_NAMESPACE = "annex-system";
  public static final String OPERATOR_DEPLOYMENT = "annex-operator";
  public static final Duration OPERATOR_TIMEOUT = Duration.ofSeconds(120);

  private final NodeCluster cluster;
  private final StorageEtcd storageEtcd;
  private final Kubectl kubectl;
  private final Path dir;

  private AnnexNode(NodeCluster cluster, StorageEtcd storageEtcd, Kubectl kubectl, Path dir) {
    this.cluster = cluster;
    this.storageEtcd = storageEtcd;
    this.kubectl = kubectl;
    this.dir = dir;
  }

  /** The image tarballs `make images` (and `make test`) build, which the node imports. */
  public static List<Path> imageTarballs() {
    Path root = RepositoryScripts.root();
    List<Path> tarballs = List.of(root.resolve("operator/target/annex-operator-image.tar"),
        root.resolve("apiserver-runtime/target/annex-apiserver-image.tar"));
    for (Path tarball : tarballs) {
      if (!Files.isRegularFile(tarball)) {
        throw new IllegalStateException(tarball + " is missing: build the images first (`make images`)");
      }
    }
    return tarballs;
  }

  /** Starts the node under {@code dir} with Annex's images imported; nothing of Annex runs yet. */
  public static AnnexNode start(Path dir) {
    Instant started = Instant.now();
    NodeCluster cluster = NodeCluster.start(dir, imageTarballs());
    try {
      StorageEtcd etcd = StorageEtcd.start(cluster.controlPlane(), cluster.nodeIp());
      Kubectl kubectl = new Kubectl(cluster.controlPlane().adminKubeconfig(),
          Files.createDirectories(dir.resolve("kubectl-cache")));
      log.info("timing nodeReady={}ms (images imported, storage etcd at {})",
          Duration.between(started, Instant.now()).toMillis(), etcd.url());
      return new AnnexNode(cluster, etcd, kubectl, dir);
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public NodeCluster cluster() {
    return cluster;
  }

  public KubernetesClient admin() {
    return cluster.adminClient();
  }

  /** The real kubectl as the cluster admin. */
  public Kubectl kubectl() {
    return kubectl;
  }

  public Path adminKubeconfig() {
    return cluster.controlPlane().adminKubeconfig();
  }

  public Path directory() {
    return dir;
  }

  /** The etcd pods can use for {@code spec.storage.etcd.servers}. */
  public StorageEtcd storageEtcd() {
    return storageEtcd;
  }

  /**
   * {@code kubectl apply -f deploy/annex.yaml}, then waits, as {@code kubectl rollout status} does,
   * until the operator's Deployment has its pod Ready.
   */
  public String installAnnex() throws Exception {
    String applied = kubectl.run("apply", "-f", RepositoryScripts.root().resolve("deploy/annex.yaml").toString());
    await("the operator Deployment " + OPERATOR_NAMESPACE + "/" + OPERATOR_DEPLOYMENT + " to have a Ready pod",
        OPERATOR_TIMEOUT, () -> {
          var deployment = admin().apps().deployments().inNamespace(OPERATOR_NAMESPACE).withName(OPERATOR_DEPLOYMENT)
              .get();
          return deployment != null && deployment.getStatus() != null
              && Integer.valueOf(1).equals(deployment.getStatus().getReadyReplicas())
              && Integer.valueOf(1).equals(deployment.getStatus().getUpdatedReplicas());
        }, () -> "; operator pods:\n" + kubectlOrError("get", "pods", "-n", OPERATOR_NAMESPACE, "-o", "wide"));
    return applied;
  }

  /** {@code kubectl create namespace NS} (when missing) and {@code kubectl apply -f FILE}. */
  public String apply(String namespace, Path file) throws Exception {
    if (admin().namespaces().withName(namespace).get() == null) {
      kubectl.run("create", "namespace", namespace);
    }
    return kubectl.run("apply", "-f", file.toString());
  }

  /** The {@code AggregatedApi} once {@code holds} is true of it, failing after {@code timeout} with its conditions. */
  public AggregatedApi awaitAggregatedApi(String namespace, String name, String what, Duration timeout,
      Predicate<AggregatedApi> holds) {
    var apis = admin().resources(AggregatedApi.class).inNamespace(namespace).withName(name);
    AggregatedApi[] found = new AggregatedApi[1];
    await("AggregatedApi " + namespace + "/" + name + " " + what, timeout, () -> {
      AggregatedApi api = apis.get();
      if (api != null && api.getStatus() != null && api.getStatus().conditions != null && holds.test(api)) {
        found[0] = api;
        return true;
      }
      return false;
    }, () -> "; conditions:\n" + describe(apis.get()));
    return found[0];
  }

  /** Whether condition {@code type} is True on {@code api}. */
  public static boolean isTrue(AggregatedApi api, String type) {
    return Conditions.isTrue(api.getStatus().conditions, type);
  }

  /** The conditions of {@code api} as {@code kubectl describe} lists them. */
  public static String describe(AggregatedApi api) {
    return Conditions.describe(api == null || api.getStatus() == null ? null : api.getStatus().conditions);
  }

  @Override
  public void close() {
    cluster.close();
  }

  private String kubectlOrError(String... args) {
    try {
      return kubectl.run(args);
    } catch (Exception | AssertionError e) {
      return "(kubectl " + String.join(" ", args) + ": " + e.getMessage() + ")";
    }
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> onTimeout) {
    Waits.until(what, timeout, () -> holds(condition) ? Boolean.TRUE : null, onTimeout);
  }

  private static boolean holds(BooleanSupplier condition) {
    try {
      return condition.getAsBoolean();
    } catch (RuntimeException notYet) {
      return false;
    }
  }
}
