package dev.annex.cluster;

import dev.annex.cluster.node.AnnexNode;
import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.PodOverrides;
import dev.annex.operator.api.Storage;
import dev.annex.operator.dependents.DeploymentDependent;
import dev.annex.operator.dependents.RuntimeImage;
import dev.annex.operator.status.Conditions;
import dev.annex.testing.controlplane.RepositoryScripts;
import dev.annex.testing.kubectl.Kubectl;
import dev.annex.testing.kubectl.KubectlGetLoop;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Annex as a user runs it: installed with {@code kubectl apply -f deploy/annex.yaml} on a real node,
 * the operator and {@code examples/wardle.yaml}'s runtime running as pods from their images, reached
 * through the real kube-aggregator at the pod IPs, used with the real kubectl. In order: each test
 * starts from what the one before left (installed, applied, on etcd, renewed, deleted).
 */
@ExtendWith(AnnexNodeExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnnexOnNodeIT {
  private static final Logger log = LoggerFactory.getLogger(AnnexOnNodeIT.class);
  private static final String NS = "wardle";
  private static final String NAME = "wardle";
  private static final String GROUP = "wardle.example.com";
  private static final List<String> API_SERVICES = List.of("v1alpha1." + GROUP, "v1beta1." + GROUP);
  private static final String OPERATOR_SA = "system:serviceaccount:annex-system:annex-operator";
  /** Pods start a JVM on a shared 2-core machine: a rollout of two takes most of a minute. */
  private static final Duration WAIT = Duration.ofSeconds(180);

  private AnnexNode node;
  private KubernetesClient admin;
  private Kubectl kubectl;
  private ResourceNames names;

  @BeforeAll
  void node(AnnexNode node) throws Exception {
    this.node = node;
    this.admin = node.admin();
    this.kubectl = node.kubectl();
    this.names = ResourceNames.of(example());
  }

  @Test
  @Order(1)
  void installedFromDeployTheOperatorPodIsReadyWithOnlyTheRbacOfThatFile() throws Exception {
    String applied = node.installAnnex();
    assertThat(applied).contains("customresourcedefinition.apiextensions.k8s.io/aggregatedapis.annex.dev created")
        .contains("namespace/annex-system created").contains("serviceaccount/annex-operator created")
        .contains("deployment.apps/annex-operator created");

    List<Pod> pods = admin.pods().inNamespace(AnnexNode.OPERATOR_NAMESPACE)
        .withLabel(Labels.NAME, "annex-operator").list().getItems();
    assertThat(pods).hasSize(1);
    Pod pod = pods.get(0);
    assertThat(pod.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("annex-operator");
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(deployedOperatorImage());
    assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    assertThat(pod.getStatus().getPodIP()).startsWith("10.252.");

    // Nothing but deploy/annex.yaml grants the operator's ServiceAccount anything.
    Set<String> bindings = admin.rbac().clusterRoleBindings().list().getItems().stream()
        .filter(b -> b.getSubjects() != null && b.getSubjects().stream().anyMatch(AnnexOnNodeIT::isOperatorAccount))
        .map(b -> "ClusterRoleBinding/" + b.getMetadata().getName() + "->" + b.getRoleRef().getName())
        .collect(Collectors.toSet());
    admin.rbac().roleBindings().inAnyNamespace().list().getItems().stream()
        .filter(b -> b.getSubjects() != null && b.getSubjects().stream().anyMatch(AnnexOnNodeIT::isOperatorAccount))
        .forEach(b -> bindings.add("RoleBinding/" + b.getMetadata().getNamespace() + "/" + b.getMetadata().getName()));
    assertThat(bindings).containsExactly("ClusterRoleBinding/annex-operator->annex-operator");
    assertThat(kubectl.result("auth", "can-i", "create", "secrets", "-n", NS, "--as=" + OPERATOR_SA).out().trim())
        .isEqualTo("yes");
    assertThat(kubectl.result("auth", "can-i", "create", "pods", "-n", NS, "--as=" + OPERATOR_SA).out().trim())
        .isEqualTo("no");
  }

  @Test
  @Order(2)
  void theExampleRunsAsPodsFromTheImageAndTheAggregatorSaysAvailable() throws Exception {
    Instant applied = Instant.now();
    assertThat(node.apply(NS, examplePath())).isEqualTo("aggregatedapi.annex.dev/wardle created\n");
    node.awaitAggregatedApi(NS, NAME, "to be Available", WAIT, api -> AnnexNode.isTrue(api, Conditions.AVAILABLE));
    long applyToAvailable = Duration.between(applied, Instant.now()).toMillis();
    log.info("timing applyToAvailable={}ms (kubectl apply of examples/wardle.yaml to the aggregator's verdict)",
        applyToAvailable);
    AggregatedApi api = node.awaitAggregatedApi(NS, NAME, "to be Ready and BackendReachable", WAIT,
        a -> AnnexNode.isTrue(a, Conditions.READY) && AnnexNode.isTrue(a, Conditions.BACKEND_REACHABLE));
    assertThat(Conditions.find(api.getStatus().conditions, Conditions.BACKEND_REACHABLE).orElseThrow().getReason())
        .isEqualTo("Passed");
    assertThat(api.getStatus().apiServices).extracting(s -> s.name, s -> s.available)
        .containsExactly(tuple(API_SERVICES.get(0), true),
            tuple(API_SERVICES.get(1), true));

    List<Pod> pods = runtimePods();
    assertThat(pods).hasSize(1);
    Pod pod = pods.get(0);
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(RuntimeImage.builtWith());
    assertThat(pod.getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(pod.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount()).as("restarts").isZero();
    // The read-only root filesystem leaves /tmp (an emptyDir) for BoringSSL's native library.
    assertThat(admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).getLog())
        .contains("(TLS by BoringSSL)");
    // The runtime in the pod answers /readyz itself (through the kube-apiserver's pod proxy).
    assertThat(kubectl.run("get", "--raw", "/api/v1/namespaces/" + NS + "/pods/https:" + pod.getMetadata().getName()
        + ":" + DeploymentDependent.SECURE_PORT + "/proxy/readyz")).isEqualTo("ok");

    for (String name : API_SERVICES) {
      APIService service = admin.resources(APIService.class).withName(name).get();
      assertThat(service.getSpec().getService().getNamespace() + "/" + service.getSpec().getService().getName())
          .isEqualTo(NS + "/" + names.apiserver());
      var available = service.getStatus().getConditions().stream().filter(c -> "Available".equals(c.getType()))
          .findFirst().orElseThrow();
      assertThat(available.getStatus()).as("%s Available: %s", name, available.getMessage()).isEqualTo("True");
      assertThat(available.getReason()).isEqualTo("Passed");
    }
    // --enable-aggregator-routing: the aggregator dials the endpoints of the Service, the pod's IP.
    assertThat(readyEndpoints()).containsExactly(pod.getStatus().getPodIP());
  }

  @Test
  @Order(3)
  void kubectlThroughTheAggregatorWithDelegatedAuthenticationAndAuthorizationInTheCluster() throws Exception {
    assertThat(kubectl.run("api-resources", "--api-group=" + GROUP)).contains("flunders").contains("fl ")
        .contains(GROUP + "/v1beta1").contains("Flunder").contains("fischers");
    assertThat(kubectl.run("create", "-n", NS, "-f", file("first.yaml", flunder("first", "somewhere")).toString()))
        .isEqualTo("flunder.wardle.example.com/first created\n");
    String table = kubectl.run("get", "flunders", "-n", NS);
    assertThat(table.lines().findFirst().orElseThrow()).startsWith("NAME").contains("REFERENCE").contains("AGE");
    assertThat(table).containsPattern("(?m)^first\\s+somewhere\\s+Flunder\\s+\\d+s$");
    assertThat(kubectl.run("apply", "--server-side", "--force-conflicts", "-n", NS, "-f",
        file("applied.yaml", flunder("first", "elsewhere")).toString()))
        .isEqualTo("flunder.wardle.example.com/first serverside-applied\n");
    assertThat(kubectl.run("patch", "flunder", "first", "-n", NS, "--type=merge", "-p",
        "{\"spec\":{\"referenceType\":\"Fischer\"}}")).isEqualTo("flunder.wardle.example.com/first patched\n");
    assertThat(kubectl.run("get", "flunder", "first", "-n", NS, "-o", "jsonpath={.spec.reference}/{.spec.referenceType}"))
        .isEqualTo("elsewhere/Fischer");
    try (Kubectl.Streaming watch = kubectl.stream("get", "flunders", "-n", NS, "--watch")) {
      assertThat(watch.awaitLine("first ", 30)).as("the watch lists the existing flunder").isTrue();
      kubectl.run("create", "-n", NS, "-f", file("second.yaml", flunder("second", "first")).toString());
      assertThat(watch.awaitLine("second ", 30)).as("the watch shows the new flunder").isTrue();
    }
    assertThat(kubectl.run("explain", "flunders.spec")).contains("KIND:").contains("Flunder").contains("reference");
    assertThat(kubectl.run("delete", "flunder", "second", "-n", NS)).isEqualTo("flunder.wardle.example.com \"second\" deleted\n");

    // A ServiceAccount's token, reviewed by the runtime's TokenReview; its rights by SubjectAccessReview.
    String user = "system:serviceaccount:" + NS + ":reader";
    admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata().withName("reader")
        .endMetadata().build()).create();
    String token = admin.serviceAccounts().inNamespace(NS).withName("reader").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
    Kubectl reader = new Kubectl(tokenKubeconfig("reader", token), node.directory().resolve("kubectl-cache"));
    String forbidden = "flunders.wardle.example.com is forbidden: User \"" + user
        + "\" cannot list resource \"flunders\" in API group \"wardle.example.com\" in the namespace \"wardle\"";
    Kubectl.Result denied = reader.result("get", "flunders", "-n", NS);
    assertThat(denied.exit()).isNotZero();
    assertThat(denied.err()).contains(forbidden);
    Kubectl.Result impersonatedDenied = kubectl.result("get", "flunders", "-n", NS, "--as=" + user);
    assertThat(impersonatedDenied.exit()).isNotZero();
    assertThat(impersonatedDenied.err()).contains(forbidden);

    admin.rbac().roles().inNamespace(NS).resource(new RoleBuilder().withNewMetadata().withName("flunder-reader")
        .endMetadata().addNewRule().withApiGroups(GROUP).withResources("flunders").withVerbs("get", "list", "watch")
        .endRule().build()).create();
    admin.rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("flunder-reader").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("Role").withName("flunder-reader").endRoleRef().addNewSubject().withKind("ServiceAccount")
        .withName("reader").withNamespace(NS).endSubject().build()).create();
    // The runtime caches a denial for 10 s, as k8s.io/apiserver does; the RBAC change shows after it.
    await().atMost(WAIT).untilAsserted(() -> assertThat(reader.result("get", "flunders", "-n", NS, "-o", "name").out())
        .isEqualTo("flunder.wardle.example.com/first\n"));
    assertThat(kubectl.run("get", "flunders", "-n", NS, "-o", "name", "--as=" + user))
        .isEqualTo("flunder.wardle.example.com/first\n");
    Kubectl.Result cannotWrite = reader.result("delete", "flunder", "first", "-n", NS);
    assertThat(cannotWrite.exit()).isNotZero();
    assertThat(cannotWrite.err()).contains("cannot delete resource \"flunders\"");
  }

  @Test
  @Order(4)
  void onEtcdWithTwoReplicasADeletedPodAndARollingUpdateFailNoRequest() throws Exception {
    AggregatedApi api = example();
    api.getSpec().storage = new Storage();
    api.getSpec().storage.type = Storage.Type.Etcd;
    api.getSpec().storage.etcd = new Storage.Etcd();
    api.getSpec().storage.etcd.servers = List.of(node.storageEtcd().url().toString());
    api.getSpec().replicas = 2;
    assertThat(kubectl.run("apply", "-f", file("wardle-etcd.yaml", Serialization.asYaml(api)).toString()))
        .isEqualTo("aggregatedapi.annex.dev/wardle configured\n");
    awaitRolledOut(2);
    node.awaitAggregatedApi(NS, NAME, "to be Ready on etcd", WAIT, a -> AnnexNode.isTrue(a, Conditions.READY));
    PodDisruptionBudget budget = admin.policy().v1().podDisruptionBudget().inNamespace(NS).withName(names.apiserver()).get();
    assertThat(budget).as("PodDisruptionBudget %s", names.apiserver()).isNotNull();
    assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(Labels.selector(api));
    await().atMost(WAIT).untilAsserted(() -> assertThat(admin.policy().v1().podDisruptionBudget().inNamespace(NS)
        .withName(names.apiserver()).get().getStatus().getCurrentHealthy()).isEqualTo(2));

    // Objects live in etcd now, so both replicas serve the same ones.
    kubectl.run("create", "-n", NS, "-f", file("durable.yaml", flunder("durable", "etcd")).toString());
    try (KubectlGetLoop loop = KubectlGetLoop.start(kubectl, "flunder.wardle.example.com/durable",
        "get", "flunders", "-n", NS, "-o", "name")) {
      loop.awaitMoreGets(3, WAIT);
      String victim = runtimePods().get(0).getMetadata().getName();
      kubectl.run("delete", "pod", victim, "-n", NS, "--wait=false");
      await().atMost(WAIT).until(() -> runtimePods().stream().noneMatch(p -> p.getMetadata().getName().equals(victim))
          && readyPods() == 2);
      loop.awaitMoreGets(3, WAIT);

      // A spec change rolls the pods: one new pod Ready before an old one stops (maxUnavailable 0).
      api.getSpec().pod = new PodOverrides();
      api.getSpec().pod.resources = new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("100m"))
          .addToRequests("memory", new Quantity("256Mi")).addToLimits("memory", new Quantity("640Mi")).build();
      String before = templateChecksumAndResources();
      kubectl.run("apply", "-f", file("wardle-etcd-resized.yaml", Serialization.asYaml(api)).toString());
      await().atMost(WAIT).until(() -> !templateChecksumAndResources().equals(before));
      awaitRolledOut(2);
      assertThat(runtimePods()).allMatch(p -> "640Mi".equals(p.getSpec().getContainers().get(0).getResources()
          .getLimits().get("memory").toString()));
      loop.awaitMoreGets(3, WAIT);
      loop.close();
      log.info("pod deletion and rolling update: gets={} failures={}", loop.gets(), loop.failures().size());
      assertThat(loop.failures()).as("kubectl get failures while a pod was deleted and the pods rolled; %s",
          runtimeLogs()).isEmpty();
    }
    node.awaitAggregatedApi(NS, NAME, "to be Ready after the rollout", WAIT, a -> AnnexNode.isTrue(a, Conditions.READY));
  }

  @Test
  @Order(5)
  void aForcedCertificateRenewalFailsNoRequest() throws Exception {
    var secret = admin.secrets().inNamespace(NS).withName(names.servingSecret());
    String before = secret.get().getData().get("tls.crt");
    String checksum = templateChecksum();
    try (KubectlGetLoop loop = KubectlGetLoop.start(kubectl, "flunder.wardle.example.com/durable",
        "get", "flunders", "-n", NS, "-o", "name")) {
      loop.awaitMoreGets(3, WAIT);
      // What a person does to force a new certificate: delete the Secret (the CA has its own).
      kubectl.run("delete", "secret", names.servingSecret(), "-n", NS);
      await().atMost(WAIT).until(() -> {
        var renewed = secret.get();
        return renewed != null && renewed.getData().containsKey("tls.crt") && !renewed.getData().get("tls.crt").equals(before);
      });
      // The checksum of the certificate on the pod template rolls the pods onto it.
      await().atMost(WAIT).until(() -> !templateChecksum().equals(checksum));
      awaitRolledOut(2);
      loop.awaitMoreGets(3, WAIT);
      loop.close();
      log.info("certificate renewal: gets={} failures={}", loop.gets(), loop.failures().size());
      assertThat(loop.failures()).as("kubectl get failures during the renewal; %s", runtimeLogs()).isEmpty();
    }
    node.awaitAggregatedApi(NS, NAME, "to be Ready with the renewed certificate", WAIT,
        a -> AnnexNode.isTrue(a, Conditions.READY) && AnnexNode.isTrue(a, Conditions.CERTIFICATE_READY));
    // Every pod of the rollouts started within its probes: none was restarted by the kubelet.
    assertThat(runtimePods()).allMatch(p -> p.getStatus().getContainerStatuses().get(0).getRestartCount() == 0);
  }

  @Test
  @Order(6)
  void deletingTheAggregatedApiRemovesItsPodsApiServicesAndEveryOtherObject() throws Exception {
    assertThat(kubectl.run("delete", "aggregatedapi", NAME, "-n", NS, "--timeout=120s"))
        .isEqualTo("aggregatedapi.annex.dev \"wardle\" deleted\n");
    String managed = Labels.MANAGED_BY_ANNEX;
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(runtimePods()).as("runtime pods").isEmpty();
      assertThat(admin.resources(APIService.class).list().getItems()).extracting(s -> s.getMetadata().getName())
          .as("APIServices").noneMatch(n -> n.endsWith("." + GROUP));
      assertThat(admin.apps().deployments().inNamespace(NS).list().getItems()).as("Deployments").isEmpty();
      assertThat(admin.apps().replicaSets().inNamespace(NS).list().getItems()).as("ReplicaSets").isEmpty();
      assertThat(admin.services().inNamespace(NS).list().getItems()).as("Services").isEmpty();
      assertThat(admin.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems()).as("PDBs").isEmpty();
      assertThat(admin.secrets().inNamespace(NS).withLabel(Labels.MANAGED_BY, "annex").list().getItems()).as("Secrets")
          .isEmpty();
      assertThat(admin.configMaps().inNamespace(NS).withLabel(Labels.MANAGED_BY, "annex").list().getItems())
          .as("ConfigMaps").isEmpty();
      assertThat(admin.serviceAccounts().inNamespace(NS).withName(names.apiserver()).get()).as("ServiceAccount").isNull();
      assertThat(admin.rbac().clusterRoleBindings().withName(names.authDelegatorBinding()).get()).isNull();
      assertThat(admin.rbac().roleBindings().inNamespace(ResourceNames.KUBE_SYSTEM).withName(names.authReaderBinding())
          .get()).isNull();
    });
    assertThat(kubectl.run("get", "all,secrets,configmaps,pdb,serviceaccounts", "-n", NS, "-l", managed, "-o", "name"))
        .isEmpty();
    assertThat(kubectl.run("api-resources", "--api-group=" + GROUP, "--no-headers")).isEmpty();
    // The operator itself is untouched.
    assertThat(admin.apps().deployments().inNamespace(AnnexNode.OPERATOR_NAMESPACE).withName(AnnexNode.OPERATOR_DEPLOYMENT)
        .get().getStatus().getReadyReplicas()).isEqualTo(1);
  }

  private List<Pod> runtimePods() {
    return admin.pods().inNamespace(NS).withLabels(Labels.selector(exampleUnchecked())).list().getItems();
  }

  /** The last lines of each runtime pod's log, for a failure message (pods and their logs go with the node). */
  private String runtimeLogs() {
    StringBuilder logs = new StringBuilder();
    for (Pod pod : runtimePods()) {
      String name = pod.getMetadata().getName();
      try {
        logs.append("\n--- ").append(name).append(":\n")
            .append(admin.pods().inNamespace(NS).withName(name).tailingLines(30).getLog());
      } catch (RuntimeException e) {
        logs.append("\n--- ").append(name).append(": ").append(e.getMessage());
      }
    }
    return logs.toString();
  }

  private long readyPods() {
    return runtimePods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .count();
  }

  private List<String> readyEndpoints() {
    return admin.discovery().v1().endpointSlices().inNamespace(NS).withLabel("kubernetes.io/service-name", names.apiserver())
        .list().getItems().stream().flatMap(s -> s.getEndpoints().stream())
        .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady())).flatMap(e -> e.getAddresses().stream()).toList();
  }

  /** As {@code kubectl rollout status}: every replica updated and ready, no old pod left. */
  private void awaitRolledOut(int replicas) {
    var deployment = admin.apps().deployments().inNamespace(NS).withName(names.apiserver());
    await().atMost(WAIT).alias("Deployment " + names.apiserver() + " rolled out to " + replicas + " ready replicas")
        .until(() -> {
          Deployment d = deployment.get();
          var s = d.getStatus();
          return s != null && d.getMetadata().getGeneration().equals(s.getObservedGeneration())
              && Integer.valueOf(replicas).equals(s.getUpdatedReplicas()) && Integer.valueOf(replicas).equals(s.getReadyReplicas())
              && Integer.valueOf(replicas).equals(s.getReplicas()) && runtimePods().size() == replicas;
        });
  }

  private String templateChecksum() {
    return admin.apps().deployments().inNamespace(NS).withName(names.apiserver()).get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(DeploymentDependent.CHECKSUM_ANNOTATION);
  }

  private String templateChecksumAndResources() {
    var template = admin.apps().deployments().inNamespace(NS).withName(names.apiserver()).get().getSpec().getTemplate();
    return template.getMetadata().getAnnotations() + " " + template.getSpec().getContainers().get(0).getResources();
  }

  private String deployedOperatorImage() throws Exception {
    try (InputStream in = Files.newInputStream(RepositoryScripts.root().resolve("deploy/annex.yaml"))) {
      return admin.load(in).items().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
          .findFirst().orElseThrow().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }
  }

  private static boolean isOperatorAccount(Subject subject) {
    return "ServiceAccount".equals(subject.getKind()) && "annex-operator".equals(subject.getName())
        && AnnexNode.OPERATOR_NAMESPACE.equals(subject.getNamespace());
  }

  private Path tokenKubeconfig(String name, String token) throws Exception {
    return file("kubeconfig-" + name, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: node
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: %s
          user: {token: "%s"}
        contexts:
        - name: node
          context: {cluster: node, user: %s}
        current-context: node
        """.formatted(node.cluster().controlPlane().apiServerUrl(), node.cluster().controlPlane().clusterCa().certFile(),
        name, token, name));
  }

  private static Path examplePath() {
    return RepositoryScripts.root().resolve("examples/wardle.yaml");
  }

  private static AggregatedApi example() throws Exception {
    try (InputStream in = Files.newInputStream(examplePath())) {
      return Serialization.unmarshal(in, AggregatedApi.class);
    }
  }

  private static AggregatedApi exampleUnchecked() {
    try {
      return example();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Path file(String name, String content) throws Exception {
    Path dir = Files.createDirectories(node.directory().resolve("manifests"));
    return Files.writeString(dir.resolve(name), content);
  }

  private static String flunder(String name, String reference) {
    return """
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata:
          name: %s
        spec:
          reference: %s
        """.formatted(name, reference);
  }
}
