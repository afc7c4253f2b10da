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

  /**
   * Where the control plane runs: on loopback, or inside a network namespace (a test host of its
   * own) at {@code address}, entered with {@code commandPrefix}.
   */
  public record Host(String address, List<String> commandPrefix, boolean node) {
    public static Host loopback() {
      return new Host("127.0.0.1", List.of(), false);
    }

    /** A host in network namespace {@code netns} at {@code address}, with a kubelet to come. */
    public static Host netns(String netns, String address) {
      return new Host(address, List.of("nsenter", "--net=/var/run/netns/" + netns), true);
    }

  }

  private final Path dir;
  private final Path binaries;
  private final Host host;
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

  private ControlPlane(Path dir, Path binaries, Host host) {
    this.dir = dir;
    this.binaries = binaries;
    this.host = host;
  }

  /**
   * Starts etcd and kube-apiserver (and kube-controller-manager when asked) under {@code dir},
   * waiting for {@code /readyz}. On any failure everything started so far is stopped.
   */
  public static ControlPlane start(Path dir, boolean withControllerManager) {
    return start(dir, withControllerManager, Host.loopback());
  }

  /** As {@link #start(Path, boolean)}, on the given host. */
  public static ControlPlane start(Path dir, boolean withControllerManager, Host host) {
    ControlPlane plane = new ControlPlane(dir, ControlPlaneBinaries.locate(), host);
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
    return URI.create("https://" + host.address() + ":" + apiServerPort);
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

  public Path binaries() {
    return binaries;
  }

  public Host host() {
    return host;
  }

  /** Starts another process on this control plane's host; it is stopped (first) on close. */
  public ManagedProcess startOnHost(String name, List<String> command) {
    List<String> full = new ArrayList<>(host.commandPrefix());
    full.addAll(command);
    ManagedProcess process = ManagedProcess.start(name, full, dir.resolve("logs/" + name + ".log"));
    processes.add(process);
    return process;
  }

  /** A client certificate from the cluster CA and a kubeconfig for it, for a component. */
  public Path componentKubeconfig(String file, Subject subject) {
    Issued issued = TestPki.issue(clusterCa, dir.resolve("pki"), file, subject);
    Path kubeconfig = dir.resolve(file + ".kubeconfig");
    write(kubeconfig, kubeconfig(issued));
    return kubeconfig;
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
        host.address().equals("127.0.0.1") ? List.of("127.0.0.1", "10.96.0.1")
            : List.of(host.address(), "127.0.0.1", "10.96.0.1")));
    serviceAccountKeys = TestPki.rsaKeyPair();
    serviceAccountKeyFile = TestPki.writePrivateKey(pki.resolve("sa.key"), serviceAccountKeys);
    TestPki.writePublicKey(pki.resolve("sa.pub"), serviceAccountKeys);
  }

  private void startEtcd() {
    etcdPort = host.node() ? 2379 : freePort();
    int peerPort = host.node() ? 2380 : freePort();
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + peerPort;
    startOnHost("etcd", List.of(
        binaries.resolve("etcd").toString(),
        "--data-dir", dir.resolve("etcd-data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "default=" + peer,
        "--log-level", "warn"));
    if (host.node()) {
      // etcd listens on the namespace's loopback, out of the test JVM's reach; kube-apiserver's
      // /readyz, awaited next, includes etcd
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    processes.get(0).await("etcd /health on " + client, Duration.ofSeconds(30), () -> {
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
    apiServerPort = host.node() ? 6443 : freePort();
    Path pki = dir.resolve("pki");
    List<String> flags = new ArrayList<>(List.of(
        binaries.resolve("kube-apiserver").toString(),
        "--etcd-servers=http://127.0.0.1:" + etcdPort,
        "--bind-address=" + host.address(),
        "--advertise-address=" + host.address(),
        "--secure-port=" + apiServerPort,
        "--tls-cert-file=" + pki.resolve("apiserver.crt"),
        "--tls-private-key-file=" + pki.resolve("apiserver.key"),
        "--client-ca-file=" + clusterCa.certFile(),
        "--authorization-mode=" + (host.node() ? "Node,RBAC" : "RBAC"),
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
        "--profiling=false"));
    if (host.node()) {
      flags.addAll(List.of(
          "--enable-admission-plugins=NodeRestriction",
          // the aggregator proxies to endpoint (pod) IPs, as on clusters without a service mesh
          "--enable-aggregator-routing=true",
          // reach kubelets by address: the node's name resolves nowhere, and no DNS query leaves the host
          "--kubelet-preferred-address-types=InternalIP",
          "--kubelet-client-certificate=" + admin.certFile(),
          "--kubelet-client-key=" + admin.keyFile()));
    } else {
      // kube-apiserver refuses to advertise loopback in the kubernetes Service's endpoints
      flags.add("--endpoint-reconciler-type=none");
    }
    ManagedProcess apiServer = startOnHost("kube-apiserver", flags);
    adminKubeconfig = dir.resolve("admin.kubeconfig");
    write(adminKubeconfig, kubeconfig(admin));
    adminClient = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(read(adminKubeconfig))).build();
    apiServer.await("kube-apiserver /readyz on " + apiServerUrl(), READY_TIMEOUT,
        () -> "ok".equals(adminClient.raw("/readyz")));
    LOG.info("kube-apiserver ready at {} (kubeconfig {})", apiServerUrl(), adminKubeconfig);
  }

  private void startControllerManager() {
    Path kubeconfig = componentKubeconfig("kube-controller-manager",
        Subject.client("system:kube-controller-manager"));
    ManagedProcess manager = startOnHost("kube-controller-manager", List.of(
        binaries.resolve("kube-controller-manager").toString(),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        // every default controller but node IPAM: the CNI's host-local IPAM hands out pod IPs
        "--controllers=*,-node-ipam-controller",
        "--service-account-private-key-file=" + serviceAccountKeyFile,
        "--root-ca-file=" + clusterCa.certFile(),
        "--use-service-account-credentials=true"));
    manager.await("kube-controller-manager to create the default ServiceAccount", READY_TIMEOUT,
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
