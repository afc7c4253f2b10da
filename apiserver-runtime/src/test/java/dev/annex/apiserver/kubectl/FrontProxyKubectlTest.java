package dev.annex.apiserver.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.FakeKubeApiserver.Answer;
import dev.annex.apiserver.testsupport.FrontProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code kubectl} reaching the runtime the way it does in a cluster: through a front proxy
 * that presents the aggregator's front-proxy client certificate and names the user in
 * {@code X-Remote-User}/{@code X-Remote-Group}; the runtime authorizes that user with
 * SubjectAccessReviews (the fabric8 mock answers: alice may do anything, bob may not list). What
 * kubectl prints is asserted, the Forbidden message included.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrontProxyKubectlTest {

  private static final long COMMAND_TIMEOUT_SECONDS = 30;

  @TempDir
  static Path dir;
  static DelegatedServer delegated;
  static FakeKubeApiserver kube;
  static FrontProxy proxy;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    delegated = new DelegatedServer(dir);
    kube = delegated.kube();
    kube.answerAccessReviews(spec -> {
      boolean bobListing = spec.path("user").asText().equals("bob")
          && spec.path("resourceAttributes").path("verb").asText().equals("list");
      return Answer.status(FakeKubeApiserver.allowed(!bobListing, bobListing ? "" : "RBAC: allowed"));
    });
    proxy = new FrontProxy(delegated.server(), delegated.frontProxy(), "alice", "developers");
    kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: aggregator
          cluster: {server: "http://127.0.0.1:%d"}
        users:
        - name: through-the-proxy
          user: {}
        contexts:
        - name: aggregator
          context: {cluster: aggregator, user: through-the-proxy, namespace: wardle}
        current-context: aggregator
        """.formatted(proxy.port()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    delegated.close();
  }

  record Result(int exit, String out, String err) {
  }

  static Result run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  static String kubectl(String... args) throws Exception {
    Result r = run(args);
    assertThat(r.exit()).as("kubectl %s; stderr: %s", String.join(" ", args), r.err()).isZero();
    return r.out();
  }

  @Test
  @Order(1)
  void aliceCreatesAndListsThroughTheFrontProxy() throws Exception {
    Path flunder = Files.writeString(dir.resolve("flunder.yaml"), """
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata:
          name: proxied
        spec:
          reference: through-the-aggregator
        """);
    assertThat(kubectl("create", "-f", flunder.toString())).isEqualTo("flunder.wardle.example.com/proxied created\n");
    assertThat(kubectl("get", "flunders")).containsPattern("proxied\\s+through-the-aggregator\\s+Flunder");
    JsonNode create = kube.accessReviews().stream()
        .filter(s -> s.path("resourceAttributes").path("verb").asText().equals("create")).findFirst().orElseThrow();
    assertThat(create.path("user").asText()).isEqualTo("alice");
    assertThat(create.path("groups")).extracting(JsonNode::asText).containsExactly("developers", "system:authenticated");
    assertThat(create.path("resourceAttributes").path("namespace").asText()).isEqualTo("wardle");
    assertThat(create.path("resourceAttributes").path("resource").asText()).isEqualTo("flunders");
  }

  @Test
  @Order(2)
  void bobIsForbiddenAndKubectlSaysSoInKubeApiserversWords() throws Exception {
    proxy.as("bob", "testers");
    try {
      Result r = run("get", "flunders");
      assertThat(r.exit()).isNotZero();
      assertThat(r.err()).contains("Error from server (Forbidden): flunders.wardle.example.com is forbidden: "
          + "User \"bob\" cannot list resource \"flunders\" in API group \"wardle.example.com\" in the namespace \"wardle\"");
      assertThat(kubectl("get", "flunder", "proxied", "-o", "jsonpath={.spec.reference}"))
          .as("bob may get what he may not list").isEqualTo("through-the-aggregator");
    } finally {
      proxy.as("alice", "developers");
    }
  }
}
