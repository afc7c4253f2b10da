package dev.annex.testing.controlplane;

import dev.annex.testing.controlplane.TestPki.Issued;
import dev.annex.testing.controlplane.TestPki.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * etcd, kube-apiserver and optionally kube-controller-manager on free loopback ports, configured
 * as a kubeadm cluster configures them for the aggregation layer: request-header authentication
 * with a front-proxy CA, a proxy client certificate the aggregator presents to backends, RBAC,
 * service-account signing keys. The admin user is in {@code system:masters}.
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
  public static final String FRONT_PROXY_CLIENT = "front-proxy-client";
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path binaries;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private Issued clusterCa;
  private Issued frontProxyCa;
  private Issued frontProxyClient;
  private Issued admin;
  private KeyPair serviceAccountKeys;
  private Path serviceAccountKeyFile;
  private int etcdPort;
  private int apiServerPort;
  private Path adminKubeconfig;
  private KubernetesClient adminClient;

  private ControlPlane(Path dir, Path binaries) {
    this.dir = dir;
    this.binaries = binaries;
  }

  /**
   * Starts etcd and kube-apiserver (and kube-controller-manager when asked) under {@code dir},
   * waiting for {@code /readyz}. On any failure everything started so far is stopped.
   */
  public static ControlPlane start(Path dir, boolean withControllerManager) {
    ControlPlane plane = new ControlPlane(dir, ControlPlaneBinaries.locate());
    try {
      plane.writePki();
      plane.startEtcd();
      plane.startApiServer();
      if (withControllerManager) {
        plane.startControllerManager();
      }
      return plane;
    } catch (RuntimeException e) {
      plane.close();
      throw e;
    }
  }

  public URI apiServerUrl() {
    return URI.create("https://127.0.0.1:" + apiServerPort);
  }

  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  /** A client as the cluster admin ({@code system:masters}). The control plane closes it. */
  public KubernetesClient adminClient() {
    return adminClient;
  }

  /** The CA whose certificates kube-apiserver accepts as client credentials. */
  public Issued clusterCa() {
    return clusterCa;
  }

  /** The CA a backend must trust for request-header authentication ({@code requestheader-client-ca-file}). */
  public Issued frontProxyCa() {
    return frontProxyCa;
  }

  /** The certificate the aggregator presents to backends (CN {@value #FRONT_PROXY_CLIENT}). */
  public Issued frontProxyClient() {
    return frontProxyClient;
  }

  public Path directory() {
    return dir;
  }

  public List<ManagedProcess> processes() {
    return List.copyOf(processes);
  }

  /** Issues a client certificate for {@code user} in {@code groups} and writes a kubeconfig for it. */
  public Path kubeconfigFor(String user, String... groups) {
    Issued issued = TestPki.issue(clusterCa, dir.resolve("pki"), "user-" + user.replace(':', '_'),
        Subject.client(user, groups));
    Path file = dir.resolve("kubeconfig-" + user.replace(':', '_'));
    write(file, kubeconfig(issued));
    return file;
  }

  @Override
  public void close() {
    if (adminClient != null) {
      adminClient.close();
    }
    // reverse order: controller-manager, apiserver, then etcd
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
  }

  private void writePki() {
    Path pki = dir.resolve("pki");
    clusterCa = TestPki.certificateAuthority(pki, "ca", "annex-test-ca");
    frontProxyCa = TestPki.certificateAuthority(pki, "front-proxy-ca", "annex-test-front-proxy-ca");
    frontProxyClient = TestPki.issue(frontProxyCa, pki, FRONT_PROXY_CLIENT, Subject.client(FRONT_PROXY_CLIENT));
    admin = TestPki.issue(clusterCa, pki, "admin", Subject.client("annex-admin", "system:masters"));
    TestPki.issue(clusterCa, pki, "apiserver", Subject.server("kube-apiserver",
        List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local"),
        List.of("127.0.0.1", "10.96.0.1")));
    serviceAccountKeys = TestPki.rsaKeyPair();
    serviceAccountKeyFile = TestPki.writePrivateKey(pki.resolve("sa.key"), serviceAccountKeys);
    TestPki.writePublicKey(pki.resolve("sa.pub"), serviceAccountKeys);
  }

  private void startEtcd() {
    etcdPort = freePort();
    int peerPort = freePort();
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + peerPort;
    processes.add(ManagedProcess.start("etcd", List.of(
        binaries.resolve("etcd").toString(),
        "--data-dir", dir.resolve("etcd-data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "default=" + peer,
        "--log-level", "warn"), dir.resolve("logs/etcd.log")));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    waitFor("etcd /health on " + client, Duration.ofSeconds(30), processes.get(processes.size() - 1), () -> {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(client + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
  }

  private void startApiServer() {
    apiServerPort = freePort();
    Path pki = dir.resolve("pki");
    ManagedProcess apiServer = ManagedProcess.start("kube-apiserver", List.of(
        binaries.resolve("kube-apiserver").toString(),
        "--etcd-servers=http://127.0.0.1:" + etcdPort,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        // kube-apiserver refuses to advertise loopback in the kubernetes Service's endpoints
        "--endpoint-reconciler-type=none",
        "--secure-port=" + apiServerPort,
        "--tls-cert-file=" + pki.resolve("apiserver.crt"),
        "--tls-private-key-file=" + pki.resolve("apiserver.key"),
        "--client-ca-file=" + clusterCa.certFile(),
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + pki.resolve("sa.pub"),
        "--service-account-signing-key-file=" + serviceAccountKeyFile,
        "--requestheader-client-ca-file=" + frontProxyCa.certFile(),
        "--requestheader-allowed-names=" + FRONT_PROXY_CLIENT,
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        "--proxy-client-cert-file=" + frontProxyClient.certFile(),
        "--proxy-client-key-file=" + frontProxyClient.keyFile(),
        "--allow-privileged=true",
        "--profiling=false"), dir.resolve("logs/kube-apiserver.log"));
    processes.add(apiServer);
    adminKubeconfig = dir.resolve("admin.kubeconfig");
    write(adminKubeconfig, kubeconfig(admin));
    adminClient = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(read(adminKubeconfig))).build();
    waitFor("kube-apiserver /readyz on " + apiServerUrl(), READY_TIMEOUT, apiServer, () -> {
      try {
        return "ok".equals(adminClient.raw("/readyz"));
      } catch (RuntimeException notYet) {
        return false;
      }
    });
    LOG.info("kube-apiserver ready at {} (kubeconfig {})", apiServerUrl(), adminKubeconfig);
  }

  private void startControllerManager() {
    Path pki = dir.resolve("pki");
    ManagedProcess manager = ManagedProcess.start("kube-controller-manager", List.of(
        binaries.resolve("kube-controller-manager").toString(),
        "--kubeconfig=" + adminKubeconfig,
        "--authentication-kubeconfig=" + adminKubeconfig,
        "--authorization-kubeconfig=" + adminKubeconfig,
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        "--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token,endpointslice,deployment,replicaset",
        "--service-account-private-key-file=" + serviceAccountKeyFile,
        "--root-ca-file=" + clusterCa.certFile(),
        "--use-service-account-credentials=false"), dir.resolve("logs/kube-controller-manager.log"));
    processes.add(manager);
    waitFor("kube-controller-manager to create the default ServiceAccount", READY_TIMEOUT, manager,
        () -> adminClient.serviceAccounts().inNamespace("default").withName("default").get() != null);
  }

  private String kubeconfig(Issued user) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: annex-test
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: user
          user:
            client-certificate: %s
            client-key: %s
        contexts:
        - name: annex-test
          context: {cluster: annex-test, user: user}
        current-context: annex-test
        """.formatted(apiServerUrl(), clusterCa.certFile(), user.certFile(), user.keyFile());
  }

  static void waitFor(String what, Duration timeout, ManagedProcess process, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process.log().getFileName() + " exited while waiting for " + what
            + ":\n" + process.tail(30));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
            + "; last log lines:\n" + process.tail(30));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
