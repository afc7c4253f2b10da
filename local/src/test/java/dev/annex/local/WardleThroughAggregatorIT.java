package dev.annex.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.status.Conditions;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ControlPlaneExtension;
import dev.annex.testing.controlplane.RepositoryScripts;
import dev.annex.testing.kubectl.Kubectl;
import dev.annex.testing.kubectl.KubectlGetLoop;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code examples/wardle.yaml} served through the real kube-aggregator: the operator in-process with
 * its production configuration, the runtime as a local process behind an {@code ExternalName}
 * Service to localhost, and the real kubectl. The tests run in order because the later ones break
 * things on purpose (stop the runtime, delete a namespace, delete the AggregatedApi).
 */
@ExtendWith(ControlPlaneExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WardleThroughAggregatorIT {
  private static final Logger log = LoggerFactory.getLogger(WardleThroughAggregatorIT.class);
  private static final String NS = "wardle";
  private static final String GROUP = "wardle.example.com";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ControlPlane plane;
  private KubernetesClient admin;
  private LocalAnnex annex;
  private LocalRuntime runtime;
  private Kubectl kubectl;
  private Instant applied;
  private KubernetesClient operatorClient;

  @BeforeAll
  void startAnnex(ControlPlane plane) throws Exception {
    this.plane = plane;
    this.admin = plane.adminClient();
    Path root = RepositoryScripts.root();
    Path jar = Path.of(System.getProperty("annex.runtime.jar", LocalRuntime.defaultJar(root).toString()));
    operatorClient = LocalAnnex.operatorClientAsInstalled(plane);
    annex = LocalAnnex.start(plane, operatorClient, jar);
    AggregatedApi wardle = example();
    applied = Instant.now();
    runtime = annex.applyWithLocalRuntime(wardle, RuntimeAuthentication.forLocalRuntime(plane, wardle));
    kubectl = new Kubectl(plane.adminKubeconfig(), Files.createDirectories(plane.directory().resolve("kubectl-cache")));
  }

  @AfterAll
  void stopAnnex() {
    if (annex != null) {
      annex.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
  }

  @Test
  @Order(1)
  void theExampleBecomesReadyAndTheRealAggregatorSaysAvailable() {
    AggregatedApi ready = annex.awaitReady(NS, "wardle", WAIT);
    log.info("timing applyToReady={}ms", Duration.between(applied, Instant.now()).toMillis());

    for (String name : List.of("v1alpha1." + GROUP, "v1beta1." + GROUP)) {
      APIService service = admin.resources(APIService.class).withName(name).get();
      var available = service.getStatus().getConditions().stream()
          .filter(c -> "Available".equals(c.getType())).findFirst().orElseThrow();
      assertThat(available.getStatus()).as("%s Available", name).isEqualTo("True");
      assertThat(available.getReason()).isEqualTo("Passed");
    }
    assertThat(Conditions.find(ready.getStatus().conditions, Conditions.AVAILABLE).orElseThrow().getStatus())
        .isEqualTo("True");
    // The operator's own probe, with its ServiceAccount's token, reaches the runtime as well.
    await().atMost(WAIT).untilAsserted(() -> assertThat(condition(Conditions.BACKEND_REACHABLE).getStatus())
        .as("BackendReachable: %s", condition(Conditions.BACKEND_REACHABLE).getMessage()).isEqualTo("True"));
    assertThat(ready.getStatus().apiServices).extracting(s -> s.name, s -> s.available)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("v1alpha1." + GROUP, true),
            org.assertj.core.groups.Tuple.tuple("v1beta1." + GROUP, true));
  }

  @Test
  @Order(2)
  void kubectlWorksThroughTheAggregator() throws Exception {
    annex.awaitReady(NS, "wardle", WAIT);
    String resources = kubectl.run("api-resources", "--api-group=" + GROUP);
    assertThat(resources).contains("flunders").contains("fl ").contains(GROUP + "/v1beta1").contains("Flunder")
        .contains("fischers").contains("Fischer");

    Path first = file("first.yaml", flunder("first", "somewhere"));
    assertThat(kubectl.run("create", "-n", NS, "-f", first.toString()))
        .isEqualTo("flunder.wardle.example.com/first created\n");
    String table = kubectl.run("get", "flunders", "-n", NS);
    assertThat(table.lines().findFirst().orElseThrow()).startsWith("NAME").contains("REFERENCE").contains("TYPE")
        .contains("AGE");
    assertThat(table).containsPattern("(?m)^first\\s+somewhere\\s+Flunder\\s+\\d+s$");
    String yaml = kubectl.run("get", "flunder", "first", "-n", NS, "-o", "yaml");
    assertThat(yaml).contains("apiVersion: wardle.example.com/v1beta1").contains("referenceType: Flunder")
        .contains("uid: ");

    Path applied = file("applied.yaml", flunder("first", "elsewhere"));
    assertThat(kubectl.run("apply", "--server-side", "--force-conflicts", "-n", NS, "-f", applied.toString()))
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

    assertThat(kubectl.run("explain", "flunders.spec")).contains("KIND:").contains("Flunder").contains("reference")
        .contains("referenceType");
    assertThat(kubectl.run("delete", "flunder", "second", "-n", NS))
        .isEqualTo("flunder.wardle.example.com \"second\" deleted\n");
    assertThat(kubectl.run("get", "flunders", "-n", NS, "-o", "name")).isEqualTo("flunder.wardle.example.com/first\n");

    JsonNode discovery = JSON.readTree(aggregatedDiscovery());
    assertThat(discovery.path("kind").asText()).isEqualTo("APIGroupDiscoveryList");
    JsonNode wardle = findGroup(discovery, GROUP).orElseThrow(() -> new AssertionError("/apis has no " + GROUP));
    for (JsonNode version : wardle.path("versions")) {
      assertThat(version.path("freshness").asText("Current")).as("freshness of %s", version.path("version"))
          .isNotEqualTo("Stale");
    }
  }

  @Test
  @Order(3)
  void delegatedAuthenticationAndAuthorizationHoldThroughTheAggregatorAndStraightToTheRuntime() throws Exception {
    annex.awaitReady(NS, "wardle", WAIT);
    String user = "system:serviceaccount:" + NS + ":reader";
    admin.serviceAccounts().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
        .withNewMetadata().withName("reader").endMetadata().build()).create();
    String token = admin.serviceAccounts().inNamespace(NS).withName("reader")
        .tokenRequest(new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
            .withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
    Kubectl reader = new Kubectl(tokenKubeconfig("reader", token), plane.directory().resolve("kubectl-cache"));
    String forbidden = "flunders.wardle.example.com is forbidden: User \"" + user
        + "\" cannot list resource \"flunders\" in API group \"wardle.example.com\" in the namespace \"wardle\"";

    Kubectl.Result denied = reader.result("get", "flunders", "-n", NS);
    assertThat(denied.exit()).isNotZero();
    assertThat(denied.err()).contains(forbidden);
    var direct = toRuntime("GET", "/apis/" + GROUP + "/v1beta1/namespaces/" + NS + "/flunders",
        "Authorization", "Bearer " + token);
    assertThat(direct.statusCode()).as("the runtime's own SubjectAccessReview; %s", direct.body()).isEqualTo(403);
    assertThat(JSON.readTree(direct.body()).path("message").asText()).isEqualTo(forbidden);
    Kubectl.Result impersonatedDenied = kubectl.result("get", "flunders", "-n", NS, "--as=" + user);
    assertThat(impersonatedDenied.exit()).isNotZero();
    assertThat(impersonatedDenied.err()).contains(forbidden);

    admin.rbac().roles().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
        .withNewMetadata().withName("flunder-reader").endMetadata()
        .addNewRule().withApiGroups(GROUP).withResources("flunders").withVerbs("get", "list", "watch").endRule()
        .build()).create();
    admin.rbac().roleBindings().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
        .withNewMetadata().withName("flunder-reader").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("flunder-reader").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("reader").withNamespace(NS).endSubject()
        .build()).create();
    // The runtime caches a denial for 10 s, as k8s.io/apiserver does; the RBAC change shows after it.
    await().atMost(WAIT).untilAsserted(() -> assertThat(reader.result("get", "flunders", "-n", NS, "-o", "name").out())
        .isEqualTo("flunder.wardle.example.com/first\n"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(toRuntime("GET", "/apis/" + GROUP + "/v1beta1/namespaces/" + NS
        + "/flunders", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200));
    assertThat(kubectl.run("get", "flunders", "-n", NS, "-o", "name", "--as=" + user))
        .isEqualTo("flunder.wardle.example.com/first\n");
    Kubectl.Result cannotWrite = reader.result("delete", "flunder", "first", "-n", NS);
    assertThat(cannotWrite.exit()).isNotZero();
    assertThat(cannotWrite.err()).contains("cannot delete resource \"flunders\"");

    // Headers that claim a user are believed only from the aggregator's front-proxy certificate.
    var forged = toRuntime("GET", "/apis/" + GROUP + "/v1beta1/namespaces/" + NS + "/flunders",
        "X-Remote-User", "system:admin", "X-Remote-Group", "system:masters");
    assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
    assertThat(JSON.readTree(forged.body()).path("reason").asText()).isEqualTo("Unauthorized");
  }

  @Test
  @Order(4)
  void aRenewedCertificateIsServedWithoutAFailedRequest() throws Exception {
    annex.awaitReady(NS, "wardle", WAIT);
    ResourceNames names = ResourceNames.of(example());
    var secrets = admin.secrets().inNamespace(NS).withName(names.servingSecret());
    String before = secrets.get().getData().get("tls.crt");

    try (KubectlGetLoop loop = KubectlGetLoop.start(kubectl, "flunder.wardle.example.com/first",
        "get", "flunders", "-n", NS, "-o", "name")) {
      loop.awaitMoreGets(3, WAIT);
      // What a person does to force a new certificate: delete the Secret (the CA has its own).
      secrets.delete();
      await().atMost(WAIT).until(() -> {
        var secret = secrets.get();
        return secret != null && secret.getData().containsKey("tls.crt") && !secret.getData().get("tls.crt").equals(before);
      });
      byte[] renewed = Base64.getDecoder().decode(secrets.get().getData().get("tls.crt"));
      var expected = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(renewed));
      await().atMost(WAIT).untilAsserted(() -> assertThat(servedCertificate().getSerialNumber())
          .as("the runtime serves the renewed certificate").isEqualTo(expected.getSerialNumber()));
      loop.awaitMoreGets(3, WAIT);
      log.info("renewal gets={} failures={}", loop.gets(), loop.failures().size());
      assertThat(loop.failures()).as("kubectl get failures during the renewal").isEmpty();
    }
    annex.awaitReady(NS, "wardle", WAIT);
  }

  @Test
  @Order(5)
  void theCrdAndEveryObjectTheOperatorMakesPassTheRealValidation() throws Exception {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(RepositoryScripts.root().resolve("crds/aggregatedapis.annex.dev-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    admin.resource(crd).dryRun().fieldManager("validation").forceConflicts().serverSideApply();

    // An in-cluster backend too, so that the Deployment goes through the real validation.
    AggregatedApi inCluster = example();
    inCluster.getMetadata().setNamespace("in-cluster");
    inCluster.getSpec().group = "incluster.example.com";
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("in-cluster").endMetadata().build())
        .create();
    admin.resource(inCluster).fieldManager("kubectl").serverSideApply();
    ResourceNames names = ResourceNames.of(inCluster);
    await().atMost(WAIT).until(() -> admin.apps().deployments().inNamespace("in-cluster").withName(names.apiserver())
        .get() != null);

    List<HasMetadata> made = new ArrayList<>();
    made.add(admin.apps().deployments().inNamespace("in-cluster").withName(names.apiserver()).get());
    made.add(admin.services().inNamespace("in-cluster").withName(names.apiserver()).get());
    made.add(admin.serviceAccounts().inNamespace("in-cluster").withName(names.apiserver()).get());
    made.add(admin.configMaps().inNamespace("in-cluster").withName(names.definitionConfigMap()).get());
    made.add(admin.secrets().inNamespace("in-cluster").withName(names.servingSecret()).get());
    made.add(admin.secrets().inNamespace("in-cluster").withName(names.caSecret()).get());
    made.add(admin.rbac().clusterRoleBindings().withName(names.authDelegatorBinding()).get());
    made.add(admin.rbac().roleBindings().inNamespace("kube-system").withName(names.authReaderBinding()).get());
    await().atMost(WAIT).until(() -> admin.resources(APIService.class).withName("v1alpha1.incluster.example.com").get()
        != null);
    made.add(admin.resources(APIService.class).withName("v1alpha1.incluster.example.com").get());
    assertThat(made).doesNotContainNull();
    for (HasMetadata object : made) {
      HasMetadata copy = Serialization.clone(object);
      copy.getMetadata().setName(copy.getMetadata().getName().replace("incluster", "dryrun") + "-dryrun");
      if (copy instanceof APIService) {
        copy.getMetadata().setName("v1alpha1.dryrun.example.com");
        ((APIService) copy).getSpec().setGroup("dryrun.example.com");
      }
      copy.getMetadata().setResourceVersion(null);
      copy.getMetadata().setUid(null);
      copy.getMetadata().setManagedFields(null);
      copy.getMetadata().setCreationTimestamp(null);
      admin.resource(copy).dryRun().create();
    }
    Deployment deployment = (Deployment) made.get(0);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet()
        .getPath()).isEqualTo("/readyz");

    admin.resource(inCluster).delete();
    await().atMost(WAIT).until(() -> admin.resources(AggregatedApi.class).inNamespace("in-cluster").withName("wardle")
        .get() == null);
  }

  @Test
  @Order(6)
  void aStoppedRuntimeIsVisibleInTheConditionsAndAStartedOneComesBack() {
    annex.awaitReady(NS, "wardle", WAIT);
    runtime.stop();
    await().atMost(WAIT).untilAsserted(() -> {
      Condition available = condition(Conditions.AVAILABLE);
      assertThat(available.getStatus()).isEqualTo("False");
      assertThat(available.getReason()).isEqualTo("FailedDiscoveryCheck");
      assertThat(condition(Conditions.READY).getStatus()).isEqualTo("False");
    });
    assertThat(condition(Conditions.AVAILABLE).getMessage()).contains("v1");

    runtime.start();
    annex.awaitReady(NS, "wardle", WAIT);
    assertThat(condition(Conditions.AVAILABLE).getReason()).isEqualTo("Passed");
  }

  @Test
  @Order(7)
  void deletingANamespaceWithFlundersCompletes() throws Exception {
    annex.awaitReady(NS, "wardle", WAIT);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("doomed").endMetadata().build())
        .create();
    kubectl.run("create", "-n", "doomed", "-f", file("doomed.yaml", flunder("doomed", "nothing")).toString());
    assertThat(kubectl.run("get", "flunders", "-n", "doomed", "-o", "name"))
        .isEqualTo("flunder.wardle.example.com/doomed\n");

    admin.namespaces().withName("doomed").delete();
    await().atMost(WAIT).until(() -> admin.namespaces().withName("doomed").get() == null);
    assertThat(kubectl.run("get", "flunders", "-n", "doomed", "-o", "name")).isEmpty();
  }

  @Test
  @Order(8)
  void deletingTheAggregatedApiRemovesItsApiServicesAndLeavesDiscoveryClean() throws Exception {
    admin.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").delete();
    await().atMost(WAIT).until(() -> admin.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").get() == null);
    assertThat(admin.resources(APIService.class).list().getItems()).extracting(s -> s.getMetadata().getName())
        .noneMatch(n -> n.endsWith("." + GROUP));
    await().atMost(WAIT).untilAsserted(() -> assertThat(findGroup(JSON.readTree(aggregatedDiscovery()), GROUP)).isEmpty());
    assertThat(kubectl.run("api-resources", "--api-group=" + GROUP, "--no-headers")).isEmpty();
  }

  /** A request straight to the runtime (not through the aggregator), trusting the CA the operator issued. */
  private java.net.http.HttpResponse<String> toRuntime(String method, String path, String... headers) throws Exception {
    var http = java.net.http.HttpClient.newBuilder()
        .sslContext(LocalRuntime.trusting(Files.readString(runtime.directory().resolve("ca.crt")))).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://localhost:" + runtime.port() + path))
        .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** The certificate the runtime presents on a new connection now. */
  private X509Certificate servedCertificate() throws Exception {
    javax.net.ssl.SSLContext context = LocalRuntime.trusting(Files.readString(runtime.directory().resolve("ca.crt")));
    try (var socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket("localhost", runtime.port())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private Path tokenKubeconfig(String name, String token) throws Exception {
    return file("kubeconfig-" + name, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: %s
          user: {token: "%s"}
        contexts:
        - name: local
          context: {cluster: local, user: %s}
        current-context: local
        """.formatted(plane.apiServerUrl(), plane.clusterCa().certFile(), name, token, name));
  }

  private Condition condition(String type) {
    AggregatedApi api = admin.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").get();
    return Conditions.find(api.getStatus().conditions, type).orElseThrow();
  }

  /** {@code /apis} in the aggregated discovery format, as kubectl 1.30+ asks for it. */
  private String aggregatedDiscovery() throws Exception {
    var http = admin.getHttpClient();
    var response = http.sendAsync(http.newHttpRequestBuilder().uri(admin.getMasterUrl() + "apis")
        .header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").build(), String.class)
        .get(30, TimeUnit.SECONDS);
    assertThat(response.code()).isEqualTo(200);
    return response.body();
  }

  private static Optional<JsonNode> findGroup(JsonNode discovery, String group) {
    for (JsonNode item : discovery.path("items")) {
      if (group.equals(item.path("metadata").path("name").asText())) {
        return Optional.of(item);
      }
    }
    return Optional.empty();
  }

  private AggregatedApi example() throws Exception {
    try (InputStream in = Files.newInputStream(RepositoryScripts.root().resolve("examples/wardle.yaml"))) {
      return Serialization.unmarshal(in, AggregatedApi.class);
    }
  }

  private Path file(String name, String content) throws Exception {
    Path dir = Files.createDirectories(plane.directory().resolve("manifests"));
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
