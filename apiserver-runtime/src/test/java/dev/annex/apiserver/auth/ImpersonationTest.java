package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.FakeKubeApiserver.Answer;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Impersonate-*} headers, as kube-apiserver checks them: one SubjectAccessReview for the
 * {@code impersonate} verb per requested identity, asked as the real user, then the request is
 * authorized as the impersonated one; a refusal is a 403 naming what was refused.
 */
class ImpersonationTest {

  @TempDir
  static Path dir;
  static DelegatedServer delegated;
  static RunningServer server;
  static FakeKubeApiserver kube;
  static HttpClient frontProxy;

  @BeforeAll
  static void start() throws Exception {
    delegated = new DelegatedServer(dir);
    server = delegated.server();
    kube = delegated.kube();
    frontProxy = server.clientWith(delegated.frontProxy());
  }

  @AfterAll
  static void stop() {
    delegated.close();
  }

  @BeforeEach
  void reset() throws Exception {
    kube.awaitIdle(Duration.ofSeconds(5));
    kube.clearRecords();
  }

  /** alice may impersonate bob and the group "devs"; bob (impersonated) may list flunders; nothing else. */
  static Answer policy(JsonNode spec) {
    JsonNode ra = spec.path("resourceAttributes");
    String user = spec.path("user").asText();
    boolean allowed = switch (ra.path("verb").asText()) {
      case "impersonate" -> user.equals("alice") && (ra.path("resource").asText().equals("users") && ra.path("name").asText().equals("bob")
          || ra.path("resource").asText().equals("groups") && ra.path("name").asText().equals("devs")
          || ra.path("resource").asText().equals("userextras") && ra.path("subresource").asText().equals("scopes"));
      case "list" -> user.equals("bob");
      default -> false;
    };
    return Answer.status(FakeKubeApiserver.allowed(allowed, allowed ? "" : "no RBAC rule"));
  }

  HttpResponse<String> listAsAlice(String namespace, String... impersonation) throws Exception {
    String[] headers = new String[4 + impersonation.length];
    headers[0] = "X-Remote-User";
    headers[1] = "alice";
    headers[2] = "X-Remote-Group";
    headers[3] = "staff";
    System.arraycopy(impersonation, 0, headers, 4, impersonation.length);
    return server.send(frontProxy, "GET", WARDLE + "/namespaces/" + namespace + "/flunders", null, headers);
  }

  @Test
  void allowedImpersonationRunsTheRequestAsTheImpersonatedUser() throws Exception {
    kube.answerAccessReviews(ImpersonationTest::policy);
    HttpResponse<String> r = listAsAlice("imp-allowed", "Impersonate-User", "bob", "Impersonate-Group", "devs",
        "Impersonate-Extra-Scopes", "read");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> reviews = kube.accessReviews();
    assertThat(reviews).hasSize(4);
    for (JsonNode check : reviews.subList(0, 3)) {
      assertThat(check.path("user").asText()).as("asked as the real user").isEqualTo("alice");
      assertThat(check.path("resourceAttributes").path("verb").asText()).isEqualTo("impersonate");
    }
    assertThat(reviews.get(0).path("resourceAttributes").path("resource").asText()).isEqualTo("users");
    assertThat(reviews.get(1).path("resourceAttributes").path("resource").asText()).isEqualTo("groups");
    assertThat(reviews.get(2).path("resourceAttributes").path("resource").asText()).isEqualTo("userextras");
    assertThat(reviews.get(2).path("resourceAttributes").path("group").asText()).isEqualTo("authentication.k8s.io");
    JsonNode asBob = reviews.get(3);
    assertThat(asBob.path("user").asText()).isEqualTo("bob");
    assertThat(asBob.path("groups")).extracting(JsonNode::asText).containsExactly("devs", "system:authenticated");
    assertThat(asBob.path("extra").path("scopes")).extracting(JsonNode::asText).containsExactly("read");
    assertThat(asBob.path("resourceAttributes").path("verb").asText()).isEqualTo("list");
  }

  @Test
  void deniedImpersonationIs403NamingTheImpersonatedUser() throws Exception {
    kube.answerAccessReviews(ImpersonationTest::policy);
    HttpResponse<String> r = listAsAlice("imp-denied", "Impersonate-User", "carol");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(json(r).path("reason").asText()).isEqualTo("Forbidden");
    assertThat(json(r).path("message").asText()).isEqualTo("users \"carol\" is forbidden: User \"alice\" cannot "
        + "impersonate resource \"users\" in API group \"\" at the cluster scope: no RBAC rule");
    assertThat(kube.accessReviews()).as("the request itself is never authorized").hasSize(1);
  }

  @Test
  void aServiceAccountIsImpersonatedInItsNamespaceWithItsGroups() throws Exception {
    kube.answerAccessReviews(spec -> Answer.status(FakeKubeApiserver.allowed(true, "")));
    HttpResponse<String> r = listAsAlice("imp-sa", "Impersonate-User", "system:serviceaccount:tools:builder");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode check = kube.accessReviews().get(0).path("resourceAttributes");
    assertThat(check.path("resource").asText()).isEqualTo("serviceaccounts");
    assertThat(check.path("namespace").asText()).isEqualTo("tools");
    assertThat(check.path("name").asText()).isEqualTo("builder");
    assertThat(kube.accessReviews().get(1).path("groups")).extracting(JsonNode::asText)
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:tools", "system:authenticated");
  }

  @Test
  void impersonatingAGroupWithoutAUserIsABadRequest() throws Exception {
    kube.answerAccessReviews(spec -> Answer.status(FakeKubeApiserver.allowed(true, "")));
    HttpResponse<String> r = listAsAlice("imp-bad", "Impersonate-Group", "devs");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("reason").asText()).isEqualTo("BadRequest");
    assertThat(json(r).path("message").asText()).contains("without impersonating a user");
    assertThat(kube.accessReviews()).isEmpty();
  }
}
