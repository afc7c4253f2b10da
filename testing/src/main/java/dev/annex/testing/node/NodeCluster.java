package dev.annex.testing.node;

import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ControlPlane.Host;
import dev.annex.testing.controlplane.ManagedProcess;
import dev.annex.testing.controlplane.TestPki.Subject;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A one-node cluster in a network namespace of its own. Addresses: the namespace's end of a veth
 * pair is the node IP (kube-apiserver advertises it, so the {@code kubernetes} Service has
 * endpoints); pods get addresses from a CNI bridge inside the namespace; the test JVM reaches the
 * API server at the node IP through the host's end of the pair. No route leads further: pods and
 * components can reach the node and each other, nothing else. CoreDNS serves {@code cluster.local}
 * behind the {@code kube-system/kube-dns} Service, so {@code <svc>.<ns>.svc} resolves in pods.
 */
public final class NodeCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCluster.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  public static final String SERVICE_CIDR = "10.96.0.0/16";
  public static final String CLUSTER_DNS = "10.96.0.10";
  public static final String PAUSE_IMAGE = "annex.local/pause:3.10";
  private static final int COREDNS_HEALTH_PORT = 8080;
  private static final int COREDNS_READY_PORT = 8181;

  private final Path dir;
  private final String id;
  private final int subnet;
  private final Set<String> netnsBefore;
  private ControlPlane controlPlane;
  private ManagedProcess coreDns;
  private boolean networkCreated;
  private final List<Path> cgroups = new ArrayList<>();

  private NodeCluster(Path dir) {
    this.dir = dir;
    this.id = String.format("%04x", RANDOM.nextInt(0x10000));
    this.subnet = RANDOM.nextInt(200) + 20;
    this.netnsBefore = listNetns();
  }

  /**
   * Creates the namespace, starts every component, imports {@code images} (docker-save tarballs)
   * besides the sandbox image, and waits until the node is Ready. On failure, cleans up first.
   */
  public static NodeCluster start(Path dir, List<Path> images) {
    NodeCluster cluster = new NodeCluster(dir.toAbsolutePath());
    try {
      cluster.createNetwork();
      cluster.controlPlane = ControlPlane.start(cluster.dir.resolve("control-plane"), true,
          Host.netns(cluster.netns(), cluster.nodeIp()));
      cluster.startScheduler();
      cluster.startCoreDns();
      cluster.startContainerd(images);
      cluster.startKubelet();
      cluster.startKubeProxy();
      cluster.awaitNodeReady();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public KubernetesClient adminClient() {
    return controlPlane.adminClient();
  }

  public String netns() {
    return "annex-" + id;
  }

  public String nodeName() {
    return "annex-node-" + id;
  }

  public String nodeIp() {
    return "10.251." + subnet + ".2";
  }

  public String podCidr() {
    return "10.252." + subnet + ".0/24";
  }

  /** Imports an image tarball into the node's containerd, as a registry-less cluster must. */
  public void importImage(Path tarball) {
    HostCommands.run("ctr", "--address", containerdSocket().toString(), "-n", "k8s.io",
        "images", "import", tarball.toString());
  }

  /**
   * Stops everything: pods first (so the kubelet tears down their sandboxes and networks), then the
   * components by pid, then whatever a killed component could leave: shims and container
   * processes, mounts under this cluster's directory, sandbox network namespaces, cgroups, and the
   * node's own namespace.
   */
  @Override
  public void close() {
    if (controlPlane != null) {
      deletePods();
      controlPlane.close();
    }
    stopShims();
    unmountUnder(dir);
    deleteSandboxNetns();
    for (Path cgroup : cgroups) {
      removeCgroup(cgroup);
    }
    if (networkCreated) {
      HostCommands.tryRun("ip", "netns", "del", netns());
      HostCommands.tryRun("ip", "link", "del", hostVeth());
    }
  }

  private String hostVeth() {
    return "anx" + id + "h";
  }

  private String nodeVeth() {
    return "anx" + id + "n";
  }

  private String hostIp() {
    return "10.251." + subnet + ".1";
  }

  private Path containerdSocket() {
    return dir.resolve("containerd/containerd.sock");
  }

  private void createNetwork() {
    HostCommands.run("ip", "netns", "add", netns());
    networkCreated = true;
    HostCommands.run("ip", "link", "add", hostVeth(), "type", "veth", "peer", "name", nodeVeth());
    HostCommands.run("ip", "link", "set", nodeVeth(), "netns", netns());
    HostCommands.run("ip", "addr", "add", hostIp() + "/30", "dev", hostVeth());
    HostCommands.run("ip", "link", "set", hostVeth(), "up");
    inNetns("ip", "addr", "add", nodeIp() + "/30", "dev", nodeVeth());
    inNetns("ip", "link", "set", nodeVeth(), "up");
    inNetns("ip", "link", "set", "lo", "up");
    // components on the node reach ClusterIPs through kube-proxy's rules; no default route
    inNetns("ip", "route", "add", SERVICE_CIDR, "dev", nodeVeth());
    inNetns("sysctl", "-qw", "net.ipv4.ip_forward=1");
    inNetns("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1");
    LOG.info("node host {}: node IP {}, pods {}", netns(), nodeIp(), podCidr());
  }

  private void inNetns(String... command) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + netns()));
    full.addAll(List.of(command));
    HostCommands.run(full.toArray(String[]::new));
  }

  private void startScheduler() {
    Path kubeconfig = controlPlane.componentKubeconfig("kube-scheduler", Subject.client("system:kube-scheduler"));
    controlPlane.startOnHost("kube-scheduler", List.of(
        controlPlane.binaries().resolve("kube-scheduler").toString(),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false"));
  }

  /**
   * The cluster DNS as kubeadm sets it up: CoreDNS answering for {@code cluster.local} from the
   * API's Services and EndpointSlices, behind the {@code kube-system/kube-dns} Service at
   * {@value #CLUSTER_DNS} (the nameserver the kubelet writes into pods' resolv.conf). CoreDNS runs
   * as a process on the node, so that Service has no selector and one EndpointSlice with the node
   * IP. Nothing outside {@code cluster.local} is forwarded: no DNS query leaves the node.
   */
  private void startCoreDns() {
    KubernetesClient client = adminClient();
    // kubeadm's system:coredns role, bound to the user of CoreDNS's client certificate
    client.rbac().clusterRoles().resource(new ClusterRoleBuilder()
        .withNewMetadata().withName("system:coredns").endMetadata()
        .addNewRule().withApiGroups("").withResources("endpoints", "services", "pods", "namespaces")
        .withVerbs("list", "watch").endRule()
        .addNewRule().withApiGroups("discovery.k8s.io").withResources("endpointslices")
        .withVerbs("list", "watch").endRule()
        .build()).create();
    client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
        .withNewMetadata().withName("system:coredns").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName("system:coredns").endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("system:coredns")
        .endSubject()
        .build()).create();
    client.services().inNamespace("kube-system").resource(new ServiceBuilder()
        .withNewMetadata().withName("kube-dns")
        .addToLabels("k8s-app", "kube-dns").addToLabels("kubernetes.io/name", "CoreDNS").endMetadata()
        .withNewSpec().withClusterIP(CLUSTER_DNS)
        .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(53)).endPort()
        .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(53).withTargetPort(new IntOrString(53))
        .endPort()
        .endSpec().build()).create();
    client.discovery().v1().endpointSlices().inNamespace("kube-system").resource(new EndpointSliceBuilder()
        .withNewMetadata().withName("kube-dns-" + nodeName())
        .addToLabels("kubernetes.io/service-name", "kube-dns")
        .addToLabels("endpointslice.kubernetes.io/managed-by", "node-harness.annex.dev").endMetadata()
        .withAddressType("IPv4")
        .addNewEndpoint().withAddresses(nodeIp()).withNodeName(nodeName())
        .withNewConditions().withReady(true).endConditions().endEndpoint()
        .addNewPort().withName("dns").withProtocol("UDP").withPort(53).endPort()
        .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(53).endPort()
        .build()).create();

    Path kubeconfig = controlPlane.componentKubeconfig("coredns", Subject.client("system:coredns"));
    // kubeadm's Corefile less what needs more than this node (forward: no upstream is reachable;
    // prometheus, loop, reload); bind keeps port 53 to the node IP
    Path corefile = write(dir.resolve("coredns/Corefile"), """
        .:53 {
            bind %1$s
            errors
            health %1$s:%2$d
            ready %1$s:%3$d
            kubernetes cluster.local in-addr.arpa ip6.arpa {
                kubeconfig %4$s
                pods insecure
                ttl 30
            }
            cache 30
            loadbalance
        }
        """.formatted(nodeIp(), COREDNS_HEALTH_PORT, COREDNS_READY_PORT, kubeconfig));
    Path binary = controlPlane.binaries().resolve("coredns");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no executable coredns in " + controlPlane.binaries()
          + "; run controlplane/build.sh coredns");
    }
    coreDns = controlPlane.startOnHost("coredns", List.of(binary.toString(), "-conf", corefile.toString()));
  }

  private void awaitCoreDnsReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI ready = URI.create("http://" + nodeIp() + ":" + COREDNS_READY_PORT + "/ready");
    coreDns.await("CoreDNS " + ready + " (its kubernetes plugin has synced)", READY_TIMEOUT, () -> {
      try {
        return http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    LOG.info("CoreDNS ready on {}:53 behind kube-system/kube-dns {}", nodeIp(), CLUSTER_DNS);
  }


  private void startContainerd(List<Path> images) {
    Path cni = dir.resolve("cni");
    write(cni.resolve("10-annex.conflist"), """
        {"cniVersion": "0.4.0", "name": "annex", "plugins": [
          {"type": "bridge", "bridge": "annex0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": "%s"}},
          {"type": "portmap", "capabilities": {"portMappings": true}}]}
        """.formatted(podCidr(), cni.resolve("ipam")));
    Path config = dir.resolve("containerd/config.toml");
    write(config, """
        version = 2
        root = "%s"
        state = "%s"
        [grpc]
          address = "%s"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "%s"
          # lowering oom_score_adj is refused here; without this runc fails with
          # "can't get final child's PID from pipe"
          restrict_oom_score_adj = true
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "%s"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
            runtime_type = "io.containerd.runc.v2"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              SystemdCgroup = false
        """.formatted(dir.resolve("containerd/root"), containerdState(), containerdSocket(), PAUSE_IMAGE, cni));
    ManagedProcess containerd = controlPlane.startOnHost("containerd", List.of("containerd", "--config", config.toString()));
    containerd.await("containerd's socket " + containerdSocket(), Duration.ofSeconds(30),
        () -> Files.exists(containerdSocket()));
    importImage(NodeImages.pause());
    images.forEach(this::importImage);
  }

  private Path containerdState() {
    return dir.resolve("containerd/state");
  }

  private void startKubelet() {
    String cgroupRoot = "/" + netns();
    createCgroups(cgroupRoot);
    Path pki = controlPlane.directory().resolve("pki");
    Path kubeconfig = controlPlane.componentKubeconfig("kubelet",
        new Subject("system:node:" + nodeName(), List.of("system:nodes"), List.of(nodeName()), List.of(nodeIp()),
            true, true));
    Path resolvConf = write(dir.resolve("resolv.conf"), "nameserver " + CLUSTER_DNS + "\nsearch cluster.local\n");
    Path config = write(dir.resolve("kubelet.yaml"), """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        # this machine has cgroup v1 and no systemd as init
        cgroupDriver: cgroupfs
        failCgroupV1: false
        failSwapOn: false
        cgroupRoot: %s
        containerRuntimeEndpoint: unix://%s
        authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: %s}}
        authorization: {mode: Webhook}
        clusterDomain: cluster.local
        clusterDNS: [%s]
        resolvConf: %s
        tlsCertFile: %s
        tlsPrivateKeyFile: %s
        address: %s
        healthzPort: 0
        readOnlyPort: 0
        podLogsDir: %s
        evictionHard: {}
        imageGCHighThresholdPercent: 100
        enforceNodeAllocatable: []
        """.formatted(cgroupRoot, containerdSocket(), controlPlane.clusterCa().certFile(), CLUSTER_DNS, resolvConf,
        pki.resolve("kubelet.crt"), pki.resolve("kubelet.key"), nodeIp(), dir.resolve("pod-logs")));
    controlPlane.startOnHost("kubelet", List.of(
        controlPlane.binaries().resolve("kubelet").toString(),
        "--config=" + config,
        "--kubeconfig=" + kubeconfig,
        "--hostname-override=" + nodeName(),
        "--node-ip=" + nodeIp(),
        "--root-dir=" + dir.resolve("kubelet")));
  }

  private void startKubeProxy() {
    Path kubeconfig = controlPlane.componentKubeconfig("kube-proxy", Subject.client("system:kube-proxy"));
    Path config = write(dir.resolve("kube-proxy.yaml"), """
        apiVersion: kubeproxy.config.k8s.io/v1alpha1
        kind: KubeProxyConfiguration
        clientConnection: {kubeconfig: %s}
        mode: iptables
        clusterCIDR: %s
        hostnameOverride: %s
        bindAddress: %s
        metricsBindAddress: 127.0.0.1:10249
        healthzBindAddress: 127.0.0.1:10256
        # the node's namespace cannot change host-wide conntrack sysctls
        conntrack: {maxPerCore: 0}
        """.formatted(kubeconfig, podCidr(), nodeName(), nodeIp()));
    controlPlane.startOnHost("kube-proxy", List.of(
        controlPlane.binaries().resolve("kube-proxy").toString(), "--config=" + config));
  }

  private void awaitNodeReady() {
    KubernetesClient client = adminClient();
    ManagedProcess kubelet = controlPlane.processes().stream()
        .filter(p -> p.log().getFileName().toString().equals("kubelet.log")).findFirst().orElseThrow();
    kubelet.await("node " + nodeName() + " to be Ready", READY_TIMEOUT, () -> {
      Node node = client.nodes().withName(nodeName()).get();
      return node != null && node.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    kubelet.await("the default ServiceAccount", READY_TIMEOUT,
        () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    awaitCoreDnsReady();
    LOG.info("node {} Ready", nodeName());
  }

  private void deletePods() {
    KubernetesClient client = adminClient();
    try {
      client.pods().inAnyNamespace().withGracePeriod(1).delete();
      Instant deadline = Instant.now().plusSeconds(60);
      while (!client.pods().inAnyNamespace().list().getItems().isEmpty() && Instant.now().isBefore(deadline)) {
        // controllers may recreate pods; that is fine, the kubelet stops with them next
        client.apps().deployments().inAnyNamespace().delete();
        client.pods().inAnyNamespace().withGracePeriod(1).delete();
        Thread.sleep(500);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not delete pods before stopping the node: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Container processes and their shims outlive a stopped containerd, and a kubelet stopped before
   * its pods (Ctrl-C, a killed test JVM) leaves them all: stop the containers by their pid files,
   * then the shims. containerd 1.6's runc shims write no pid file, but each runs in its task's
   * bundle directory, so a process whose working directory is in this cluster's containerd state
   * is one of its shims.
   */
  private void stopShims() {
    Path tasks = containerdState().resolve("io.containerd.runtime.v2.task");
    if (!Files.isDirectory(tasks)) {
      return;
    }
    try (Stream<Path> files = Files.walk(tasks, 3)) {
      List<Path> pidFiles = files.filter(f -> f.getFileName().toString().matches("(init|shim)\\.pid"))
          .sorted(Comparator.comparing(f -> f.getFileName().toString())) // init.pid before shim.pid
          .toList();
      for (Path pidFile : pidFiles) {
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(p -> stop(p, pidFile.getFileName().toString()));
      }
    } catch (IOException e) {
      LOG.warn("cannot read containerd's task state: {}", e.toString());
    }
    processesWorkingUnder(tasks).forEach(p -> stop(p, "containerd-shim"));
  }

  private static List<ProcessHandle> processesWorkingUnder(Path dir) {
    return ProcessHandle.allProcesses().filter(p -> {
      try {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).startsWith(dir);
      } catch (IOException | UnsupportedOperationException | SecurityException gone) {
        return false;
      }
    }).toList();
  }

  private static void stop(ProcessHandle process, String what) {
    LOG.info("stopping {} pid {} left by containerd", what, process.pid());
    process.destroyForcibly();
    try {
      process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("{} pid {} did not exit within 5 s of SIGKILL", what, process.pid());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void unmountUnder(Path dir) {
    try {
      List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
          .map(line -> line.split(" ")[1].replace("\\040", " "))
          .filter(mountPoint -> mountPoint.startsWith(dir.toString() + "/"))
          .sorted(Comparator.reverseOrder())
          .toList();
      for (String mountPoint : mounts) {
        HostCommands.tryRun("umount", "-l", mountPoint);
      }
    } catch (IOException e) {
      LOG.warn("cannot read /proc/self/mounts: {}", e.toString());
    }
  }

  /**
   * containerd names a sandbox's network namespace {@code cni-<uuid>}; the ones that appeared while
   * this cluster ran and are left after its pods were deleted are its own.
   */
  private void deleteSandboxNetns() {
    for (String name : listNetns()) {
      if (name.startsWith("cni-") && !netnsBefore.contains(name)) {
        HostCommands.tryRun("ip", "netns", "del", name);
      }
    }
  }

  private static Set<String> listNetns() {
    Set<String> names = new HashSet<>();
    Path dir = Path.of("/var/run/netns");
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        entries.forEach(p -> names.add(p.getFileName().toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return names;
  }

  /** The kubelet's cgroup root, in every cgroup v1 hierarchy (cpuset needs its cpus and mems). */
  private void createCgroups(String cgroupRoot) {
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path hierarchy : hierarchies.filter(Files::isDirectory).toList()) {
        Path cgroup = hierarchy.resolve(cgroupRoot.substring(1));
        // the kubelet makes its own in the unified (v2) hierarchy; it is removed on close all the same
        cgroups.add(cgroup);
        if (hierarchy.getFileName().toString().equals("unified")) {
          continue;
        }
        Files.createDirectories(cgroup);
        if (hierarchy.getFileName().toString().equals("cpuset")) {
          Files.writeString(cgroup.resolve("cpuset.cpus"), Files.readString(hierarchy.resolve("cpuset.cpus")).trim());
          Files.writeString(cgroup.resolve("cpuset.mems"), Files.readString(hierarchy.resolve("cpuset.mems")).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the kubelet's cgroups " + cgroupRoot, e);
    }
  }

  private static void removeCgroup(Path cgroup) {
    if (!Files.isDirectory(cgroup)) {
      return;
    }
    // cgroupfs directories are removed with rmdir, children first; their files cannot be deleted
    try (Stream<Path> tree = Files.walk(cgroup)) {
      tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> {
        try {
          Files.delete(d);
        } catch (IOException e) {
          LOG.warn("cannot remove cgroup {}: {}", d, e.toString());
        }
      });
    } catch (IOException e) {
      LOG.warn("cannot walk cgroup {}: {}", cgroup, e.toString());
    }
  }

  private static Path write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
