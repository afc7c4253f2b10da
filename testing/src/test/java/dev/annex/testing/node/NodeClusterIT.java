package dev.annex.testing.node;

import dev.annex.testing.controlplane.ManagedProcess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node harness runs real pods on a real kubelet, and leaves nothing behind. */
class NodeClusterIT {

  private static NodeCluster cluster;
  private static Path dir;

  @BeforeAll
  static void startNode() throws IOException {
    dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "node-");
    cluster = NodeCluster.start(dir, List.of(NodeImages.debianJre()));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aPodFromALocalImageReachesTheApiServerThroughItsClusterIpWithItsServiceAccount() {
    KubernetesClient client = cluster.adminClient();
    Pod pod = client.pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("probe").endMetadata()
        .withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("probe").withImage("annex-base:bookworm-jre17").withImagePullPolicy("Never")
        .withCommand("bash", "-c", String.join(" && ",
            "timeout 5 bash -c 'echo > /dev/tcp/kubernetes.default.svc.cluster.local/443' 2>/dev/null"
                + " || timeout 5 bash -c 'echo > /dev/tcp/10.96.0.1/443'",
            "echo clusterip-reachable",
            "test -s /var/run/secrets/kubernetes.io/serviceaccount/token && echo token-mounted",
            "java -version 2>&1 | head -n 1"))
        .endContainer().endSpec().build()).create();
    client.pods().inNamespace("default").withName("probe")
        .waitUntilCondition(p -> p != null && "Succeeded".equals(p.getStatus().getPhase())
            || p != null && "Failed".equals(p.getStatus().getPhase()), 90, TimeUnit.SECONDS);
    String log = client.pods().inNamespace("default").withName("probe").getLog();
    Pod done = client.pods().inNamespace("default").withName(pod.getMetadata().getName()).get();
    assertEquals("Succeeded", done.getStatus().getPhase(), "pod log:\n" + log);
    assertTrue(log.contains("clusterip-reachable"), log);
    assertTrue(log.contains("token-mounted"), log);
    assertTrue(log.contains("openjdk version \"17"), log);
    assertTrue(done.getStatus().getPodIP().startsWith("10.252."), "pod IP from the CNI bridge: "
        + done.getStatus().getPodIP());
  }

  @Test
  void servicesResolveByNameInPodsThroughTheClusterDns() {
    KubernetesClient client = cluster.adminClient();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("dns-test").endMetadata().build())
        .create();
    String clusterIp = client.services().inNamespace("dns-test").resource(new ServiceBuilder()
        .withNewMetadata().withName("named").endMetadata()
        .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create().getSpec().getClusterIP();
    client.pods().inNamespace("dns-test").resource(new PodBuilder()
        .withNewMetadata().withName("resolver").endMetadata()
        .withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("resolver").withImage("annex-base:bookworm-jre17").withImagePullPolicy("Never")
        // <svc>.<ns>.svc through the search path, a short name in the pod's own namespace, and the API
        .withCommand("bash", "-c", "getent hosts named.dns-test.svc; getent hosts named; getent hosts kubernetes.default;"
            + " getent hosts no-such-service.dns-test.svc || echo no-such-service-unresolved")
        .endContainer().endSpec().build()).create();
    client.pods().inNamespace("dns-test").withName("resolver")
        .waitUntilCondition(p -> p != null && ("Succeeded".equals(p.getStatus().getPhase())
            || "Failed".equals(p.getStatus().getPhase())), 90, TimeUnit.SECONDS);
    String log = client.pods().inNamespace("dns-test").withName("resolver").getLog();
    List<String> lines = log.lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList();
    assertEquals(List.of(clusterIp + " named.dns-test.svc.cluster.local", clusterIp + " named.dns-test.svc.cluster.local",
        "10.96.0.1 kubernetes.default.svc.cluster.local", "no-such-service-unresolved"), lines, log);
  }


  @Test
  void closingRemovesProcessesMountsCgroupsAndNamespaces() throws IOException {
    Path ownDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "node-closed-");
    NodeCluster own = NodeCluster.start(ownDir, List.of());
    List<ManagedProcess> processes = own.controlPlane().processes();
    String netns = own.netns();
    own.adminClient().pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("sleeper").endMetadata()
        .withNewSpec().addNewContainer().withName("pause").withImage(NodeCluster.PAUSE_IMAGE)
        .withImagePullPolicy("Never").endContainer().endSpec().build()).create();
    own.adminClient().pods().inNamespace("default").withName("sleeper")
        .waitUntilCondition(p -> p != null && "Running".equals(p.getStatus().getPhase()), 60, TimeUnit.SECONDS);

    own.close();

    assertNoProcessWorksUnder(ownDir);
    processes.forEach(p -> assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false),
        p.log().getFileName() + " pid " + p.pid() + " still alive"));
    assertFalse(Files.exists(Path.of("/var/run/netns", netns)), "network namespace " + netns + " left");
    assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(ownDir.toString()), "mounts left");
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      hierarchies.forEach(h -> assertFalse(Files.exists(h.resolve(netns)), "cgroup " + h.resolve(netns) + " left"));
    }
  }

  @Test
  void closingAfterItsProcessesWereKilledStillRemovesContainersAndShims() throws IOException {
    Path ownDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "node-killed-");
    NodeCluster own = NodeCluster.start(ownDir, List.of());
    String netns = own.netns();
    own.adminClient().pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("sleeper").endMetadata()
        .withNewSpec().addNewContainer().withName("pause").withImage(NodeCluster.PAUSE_IMAGE)
        .withImagePullPolicy("Never").endContainer().endSpec().build()).create();
    own.adminClient().pods().inNamespace("default").withName("sleeper")
        .waitUntilCondition(p -> p != null && "Running".equals(p.getStatus().getPhase()), 60, TimeUnit.SECONDS);

    // What Ctrl-C does: every component's own shutdown hook stops it before the node can delete its pods.
    List<ManagedProcess> processes = own.controlPlane().processes();
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    own.close();

    assertNoProcessWorksUnder(ownDir);
    assertFalse(Files.exists(Path.of("/var/run/netns", netns)), "network namespace " + netns + " left");
    assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(ownDir.toString()), "mounts left");
  }

  /** containerd's shims run in their task's directory under the node's: none may be left. */
  private static void assertNoProcessWorksUnder(Path dir) {
    List<String> left = ProcessHandle.allProcesses().filter(p -> {
      try {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).startsWith(dir);
      } catch (IOException | RuntimeException gone) {
        return false;
      }
    }).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    assertEquals(List.of(), left, "processes left working under " + dir);
  }
}
