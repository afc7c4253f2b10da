package dev.annex.cluster;

import dev.annex.cluster.node.AnnexNode;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.status.Conditions;
import dev.annex.testing.controlplane.RepositoryScripts;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run-cluster}: a one-node cluster with Annex installed from {@code deploy/annex.yaml} and
 * {@code examples/wardle.yaml} (or the file given) applied, both running as pods; prints the
 * conditions and an {@code export KUBECONFIG=} line, then stays up until Ctrl-C, which removes the
 * whole node.
 */
public final class RunCluster {
  private static final Logger log = LoggerFactory.getLogger(RunCluster.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  private RunCluster() {
  }

  public static void main(String[] args) throws Exception {
    Path root = RepositoryScripts.root();
    Path example = args.length > 0 ? Path.of(args[0]).toAbsolutePath() : root.resolve("examples/wardle.yaml");
    AggregatedApi api;
    try (InputStream in = Files.newInputStream(example)) {
      api = Serialization.unmarshal(in, AggregatedApi.class);
    }
    Path dir = Files.createTempDirectory(Files.createDirectories(root.resolve("target/cluster")), "run-");
    Instant started = Instant.now();
    AnnexNode node = AnnexNode.start(dir);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "annex-cluster-shutdown"));

    String namespace = api.getMetadata().getNamespace();
    AggregatedApi ready;
    try {
      System.out.print(node.installAnnex());
      System.out.print(node.apply(namespace, example));
      ready = node.awaitAggregatedApi(namespace, api.getMetadata().getName(), "to be Ready and BackendReachable",
          READY_TIMEOUT, a -> AnnexNode.isTrue(a, Conditions.READY) && AnnexNode.isTrue(a, Conditions.BACKEND_REACHABLE));
    } catch (Exception | AssertionError e) {
      // exit, so the shutdown hook removes the node even while client threads would keep the JVM up
      System.err.println("run-cluster failed: " + e.getMessage() + "\nlogs under " + dir);
      System.exit(1);
      return;
    }
    System.out.printf("%nAggregatedApi %s/%s (group %s) is Ready after %d s, served by pods of the image %s%n%s%n",
        namespace, api.getMetadata().getName(), ready.getSpec().group,
        Duration.between(started, Instant.now()).toSeconds(),
        node.admin().apps().deployments().inNamespace(namespace).list().getItems().stream()
            .map(d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).findFirst().orElse("?"),
        AnnexNode.describe(ready));
    System.out.printf("Use it from another shell:%n  export KUBECONFIG=%s%n  kubectl get pods -A%n  kubectl get aa -A%n"
            + "  kubectl api-resources --api-group=%s%n%nEtcd for spec.storage.etcd.servers: %s%n"
            + "Ctrl-C stops the node and removes everything it made.%n",
        node.adminKubeconfig(), ready.getSpec().group, node.storageEtcd().url());
    log.info("serving kubeconfig={} dir={}", node.adminKubeconfig(), dir);
    stopped.await();
  }
}
