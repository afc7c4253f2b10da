package dev.annex.testing.controlplane;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ControlPlaneExtension.class)
class ControlPlaneIT {

  @Test
  void servesThePinnedKubernetesVersion(KubernetesClient admin) {
    assertEquals("v1.37.2", admin.getKubernetesVersion().getGitVersion());
  }

  @Test
  void publishesTheAggregationLayerConfigurationForBackends(ControlPlane plane, KubernetesClient admin) {
    ConfigMap auth = admin.configMaps().inNamespace("kube-system")
        .withName("extension-apiserver-authentication").get();
    assertNotNull(auth, "kube-apiserver publishes extension-apiserver-authentication");
    assertEquals(plane.frontProxyCa().certificatePem().trim(),
        auth.getData().get("requestheader-client-ca-file").trim());
    assertEquals("[\"front-proxy-client\"]", auth.getData().get("requestheader-allowed-names"));
    assertEquals("[\"X-Remote-User\"]", auth.getData().get("requestheader-username-headers"));
    assertEquals(plane.clusterCa().certificatePem().trim(), auth.getData().get("client-ca-file").trim());
  }

  @Test
  void enforcesRbacForUsersOutsideSystemMasters(ControlPlane plane) {
    Path kubeconfig = plane.kubeconfigFor("alice", "developers");
    try (KubernetesClient alice = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(read(kubeconfig))).build()) {
      KubernetesClientException denied = assertThrows(KubernetesClientException.class,
          () -> alice.namespaces().list());
      assertEquals(403, denied.getCode());
    }
  }

  @Test
  void namespaceDeletionCompletesThroughTheControllerManager(KubernetesClient admin) {
    String name = "deleted-" + System.nanoTime();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    admin.namespaces().withName(name).delete();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (admin.namespaces().withName(name).get() != null) {
      assertTrue(System.nanoTime() < deadline, "namespace " + name + " still exists after 60 s");
      sleep(250);
    }
  }

  @Test
  void stopsEveryProcessItStartedByPid() {
    ControlPlane plane = ControlPlane.start(tempDir(), false);
    List<ManagedProcess> started = plane.processes();
    assertEquals(2, started.size());
    started.forEach(p -> assertTrue(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false)));
    plane.close();
    started.forEach(p -> assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false),
        "pid " + p.pid() + " still alive"));
  }

  private static Path tempDir() {
    try {
      return java.nio.file.Files.createTempDirectory(Path.of("target").toAbsolutePath(), "controlplane-own-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return java.nio.file.Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
