package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ControlPlaneExtension;
import dev.annex.testing.kubectl.Kubectl;
import dev.annex.testing.controlplane.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime behind the real kube-aggregator, delegating to the real kube-apiserver exactly as
 * the operator deploys it: its own identity bound to {@code system:auth-delegator} and
 * {@code extension-apiserver-authentication-reader}, no CA flags (both CAs and the front-proxy
 * names come from the cluster's ConfigMap), registered by an APIService behind an ExternalName
 * Service. kubectl goes through the aggregator as a user RBAC allows; a service-account token
 * goes straight to the runtime and is checked by TokenReview. The runtime's audit log shows whom
 * it saw.
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DelegatedAuthenticationIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The wardle example under a group of its own: the control plane is shared, and another IT makes wardle a CRD. */
  private static final String GROUP = "delegated.annex.test";

  @TempDir
  static Path dir;
  static ControlPlane plane;
  static RunningServer runtime;
  static TestPki.Issued servingCa;
  static Path audit;

  @BeforeAll
  static void start(ControlPlane controlPlane) throws Exception {
    plane = controlPlane;
    Path admin = plane.adminKubeconfig();
    Path identity = plane.kubeconfigFor("annex-runtime");
    kubectl(admin, "apply", "-f", write("rbac.yaml", """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: annex-runtime-auth-delegator}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
        subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: annex-runtime}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: annex-runtime-authentication-reader, namespace: kube-system}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
        subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: annex-runtime}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: flunder-editor}
        rules:
        - apiGroups: [%s]
          resources: [flunders]
          verbs: [get, list, watch, create, update, patch, delete]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: erin-edits-flunders, namespace: default}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flunder-editor}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: User, name: erin}
        - {kind: ServiceAccount, name: reader, namespace: default}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reader, namespace: default}
        """.formatted(GROUP)).toString());

    servingCa = TestPki.certificateAuthority(dir.resolve("serving"), "serving-ca", "annex-serving-ca");
    TestPki.Issued serving = TestPki.issue(servingCa, dir.resolve("serving"), "serving", TestPki.Subject.server(
        "annex-wardle.default.svc", List.of("annex-wardle.default.svc", "localhost"), List.of("127.0.0.1")));
    audit = dir.resolve("audit.log");
    Path definition = write("definition.yaml", Files.readString(RunningServer.wardleDefinition())
        .replace("wardle.example.com", GROUP));
    runtime = new RunningServer(dir.resolve("runtime"), "--api-definition=" + definition,
        "--authorization-mode=Delegated", "--client-ca-file=",
        "--authentication-kubeconfig=" + identity, "--authorization-kubeconfig=" + identity,
        "--tls-cert-file=" + serving.certFile(), "--tls-private-key-file=" + serving.keyFile(),
        "--audit-log-path=" + audit);

    String caBundle = java.util.Base64.getEncoder().encodeToString(servingCa.certificatePem().getBytes(StandardCharsets.UTF_8));
    StringBuilder registration = new StringBuilder("""
        apiVersion: v1
        kind: Service
        metadata: {name: annex-wardle, namespace: default}
        spec:
          type: ExternalName
          externalName: localhost
          ports: [{name: https, port: %d, protocol: TCP}]
        """.formatted(runtime.port()));
    for (String version : List.of("v1alpha1", "v1beta1")) {
      registration.append("""
          ---
          apiVersion: apiregistration.k8s.io/v1
          kind: APIService
          metadata: {name: %s.%s}
          spec:
            group: %s
            version: %s
            groupPriorityMinimum: 1000
            versionPriority: %d
            service: {name: annex-wardle, namespace: default, port: %d}
            caBundle: %s
          """.formatted(version, GROUP, GROUP, version, version.equals("v1beta1") ? 20 : 15, runtime.port(), caBundle));
    }
    kubectl(admin, "apply", "-f", write("registration.yaml", registration.toString()).toString());
    kubectl(admin, "wait", "--for=condition=Available", "--timeout=60s", "apiservice/v1beta1." + GROUP,
        "apiservice/v1alpha1." + GROUP);
  }

  @AfterAll
  static void stop() throws Exception {
    if (plane != null) {
      run(plane.adminKubeconfig(), "delete", "apiservice", "v1beta1." + GROUP, "v1alpha1." + GROUP, "--ignore-not-found");
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void kubectlThroughTheRealAggregatorRunsAsTheUserItAuthenticated() throws Exception {
    Path erin = plane.kubeconfigFor("erin", "flunder-people");
    Path flunder = write("flunder.yaml", """
        apiVersion: %s/v1beta1
        kind: Flunder
        metadata: {name: aggregated, namespace: default}
        spec: {reference: via-kube-aggregator}
        """.formatted(GROUP));
    assertThat(kubectl(erin, "create", "-f", flunder.toString())).isEqualTo("flunder." + GROUP + "/aggregated created\n");
    assertThat(kubectl(erin, "get", "flunders." + GROUP, "-n", "default")).containsPattern("aggregated\\s+via-kube-aggregator");
    JsonNode created = auditEvents().stream()
        .filter(e -> e.path("verb").asText().equals("create") && e.path("objectRef").path("resource").asText().equals("flunders"))
        .findFirst().orElseThrow();
    assertThat(created.path("user").path("username").asText()).as("the user from X-Remote-User").isEqualTo("erin");
    assertThat(created.path("user").path("groups")).extracting(JsonNode::asText)
        .contains("flunder-people", "system:authenticated");
    assertThat(created.path("responseStatus").path("code").asInt()).isEqualTo(201);
  }

  @Test
  @Order(2)
  void aServiceAccountTokenSentStraightToTheRuntimeIsReviewedByTheKubeApiserver() throws Exception {
    String token = kubectl(plane.adminKubeconfig(), "create", "token", "reader", "-n", "default").trim();
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(servingCa)).connectTimeout(Duration.ofSeconds(5)).build();
    URI flunders = URI.create("https://127.0.0.1:" + runtime.port() + "/apis/" + GROUP + "/v1beta1/namespaces/default/flunders");
    HttpResponse<String> allowed = client.send(HttpRequest.newBuilder(flunders).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    assertThat(JSON.readTree(allowed.body()).path("items")).extracting(i -> i.path("metadata").path("name").asText())
        .contains("aggregated");
    HttpResponse<String> forbidden = client.send(HttpRequest.newBuilder(URI.create(flunders.toString()
            .replace("/namespaces/default/", "/namespaces/kube-system/"))).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(forbidden.body()).path("message").asText()).startsWith("flunders." + GROUP + " is "
        + "forbidden: User \"system:serviceaccount:default:reader\" cannot list resource \"flunders\" in API group \""
        + GROUP + "\" in the namespace \"kube-system\"");
    HttpResponse<String> bogus = client.send(HttpRequest.newBuilder(flunders).header("Authorization", "Bearer not-a-token")
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bogus.statusCode()).isEqualTo(401);
  }

  static List<JsonNode> auditEvents() throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(audit)) {
      events.add(JSON.readTree(line));
    }
    return events;
  }

  static SSLContext trusting(TestPki.Issued ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  static String kubectl(Path kubeconfig, String... args) throws Exception {
    return kubectlFor(kubeconfig).run(args);
  }

  static Kubectl.Result run(Path kubeconfig, String... args) throws Exception {
    return kubectlFor(kubeconfig).result(args);
  }

  private static Kubectl kubectlFor(Path kubeconfig) {
    return new Kubectl(kubeconfig, dir.resolve("cache-" + kubeconfig.getFileName()));
  }
}
