package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.FakeKubeApiserver.Answer;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
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

import static dev.annex.apiserver.testsupport.FakeKubeApiserver.allowed;
import static dev.annex.apiserver.testsupport.FakeKubeApiserver.authenticated;
import static dev.annex.apiserver.testsupport.FakeKubeApiserver.denied;
import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bearer tokens by TokenReview and decisions by SubjectAccessReview, against the fabric8 mock server
 * standing in for the kube-apiserver: allowed, denied, failing and slow reviews, and the caches (a
 * second identical request makes no review call). Each test uses its own tokens and namespaces so
 * the caches of one never answer another.
 */
class DelegatedAuthenticationTest {

  @TempDir
  static Path dir;
  static DelegatedServer delegated;
  static RunningServer server;
  static FakeKubeApiserver kube;
  static HttpClient noCertificate;

  @BeforeAll
  static void start() throws Exception {
    delegated = new DelegatedServer(dir, "--delegated-review-timeout=2s");
    server = delegated.server();
    kube = delegated.kube();
    noCertificate = server.clientWith(null);
    // the first review of a JVM is slow (class loading on both sides); the timeout tests must not measure it
    kube.answerTokenReviews(spec -> Answer.status(authenticated("warm", "uid-warm")));
    kube.answerAccessReviews(spec -> Answer.status(allowed(true, "")));
    server.send(noCertificate, "GET", WARDLE + "/namespaces/warm-up/flunders", null, "Authorization", "Bearer warm-up");
  }

  @AfterAll
  static void stop() {
    delegated.close();
  }

  @BeforeEach
  void reset() throws Exception {
    kube.delayTokenReviews(Duration.ZERO);
    kube.delayAccessReviews(Duration.ZERO);
    kube.awaitIdle(Duration.ofSeconds(10));
    kube.clearRecords();
    // "alice-..." and "bob-..." tokens are theirs; each test uses tokens of its own, so no cache answers for another
    kube.answerTokenReviews(spec -> {
      String token = spec.path("token").asText();
      if (token.startsWith("alice-")) {
        return Answer.status(authenticated("alice", "uid-alice", "developers"));
      }
      if (token.startsWith("bob-")) {
        return Answer.status(authenticated("bob", "uid-bob", "testers"));
      }
      return Answer.status(RunningServer.JSON.createObjectNode().put("authenticated", false)
          .put("error", "token not recognised"));
    });
    kube.answerAccessReviews(spec -> Answer.status(spec.path("user").asText().equals("alice")
        ? allowed(true, "RBAC: allowed by RoleBinding \"dev/alice\"") : allowed(false, "")));
  }

  HttpResponse<String> get(String token, String path) throws Exception {
    return server.send(noCertificate, "GET", path, null, "Authorization", "Bearer " + token);
  }

  @Test
  void aTokenTheKubeApiserverKnowsIsItsUserAndTheSecondRequestMakesNoReviewCall() throws Exception {
    HttpResponse<String> first = get("alice-cache", WARDLE + "/namespaces/cache-allowed/flunders");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(kube.tokenReviews()).hasSize(1);
    assertThat(kube.tokenReviews().get(0).path("token").asText()).isEqualTo("alice-cache");
    assertThat(kube.accessReviews()).hasSize(1);
    assertThat(kube.reviewCredentials()).as("the runtime's own identity, from its kubeconfig")
        .containsOnly("Bearer runtime-service-account-token");
    JsonNode sar = kube.accessReviews().get(0);
    assertThat(sar.path("user").asText()).isEqualTo("alice");
    assertThat(sar.path("uid").asText()).isEqualTo("uid-alice");
    assertThat(sar.path("groups")).extracting(JsonNode::asText).containsExactly("developers", "system:authenticated");
    JsonNode attributes = sar.path("resourceAttributes");
    assertThat(attributes.path("verb").asText()).isEqualTo("list");
    assertThat(attributes.path("group").asText()).isEqualTo("wardle.example.com");
    assertThat(attributes.path("version").asText()).isEqualTo("v1alpha1");
    assertThat(attributes.path("resource").asText()).isEqualTo("flunders");
    assertThat(attributes.path("namespace").asText()).isEqualTo("cache-allowed");

    HttpResponse<String> second = get("alice-cache", WARDLE + "/namespaces/cache-allowed/flunders");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(kube.tokenReviews()).as("token answer cached").hasSize(1);
    assertThat(kube.accessReviews()).as("allowed decision cached").hasSize(1);
  }

  @Test
  void aTokenTheKubeApiserverRejectsIs401AndTheRejectionIsCachedToo() throws Exception {
    HttpResponse<String> r = get("stolen-token", WARDLE + "/namespaces/rejected/flunders");
    assertThat(r.statusCode()).isEqualTo(401);
    JsonNode status = json(r);
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
    assertThat(status.path("message").asText()).isEqualTo("Unauthorized");
    assertThat(status.path("code").asInt()).isEqualTo(401);
    assertThat(get("stolen-token", WARDLE + "/namespaces/rejected/flunders").statusCode()).isEqualTo(401);
    assertThat(kube.tokenReviews()).hasSize(1);
    assertThat(kube.accessReviews()).as("a rejected token is never authorized").isEmpty();
  }

  @Test
  void aFailingTokenReviewIs401AndIsNotCached() throws Exception {
    kube.answerTokenReviews(spec -> Answer.failure(403)); // e.g. the runtime's identity may not create TokenReviews
    assertThat(get("failing-token", WARDLE + "/namespaces/failing/flunders").statusCode()).isEqualTo(401);
    assertThat(get("failing-token", WARDLE + "/namespaces/failing/flunders").statusCode()).isEqualTo(401);
    assertThat(kube.tokenReviews()).as("errors are asked again, and a 403 is not retried").hasSize(2);
    assertThat(kube.accessReviews()).isEmpty();
  }

  @Test
  void aTransientFailureOfAReviewIsRetriedAsK8sRetriesIt() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    kube.answerTokenReviews(spec -> calls.incrementAndGet() == 1 ? Answer.failure(500)
        : Answer.status(authenticated("alice", "uid-alice", "developers")));
    HttpResponse<String> r = get("alice-retried", WARDLE + "/namespaces/retried/flunders");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(kube.tokenReviews()).as("a 500, then the retry 500 ms later").hasSize(2);
  }

  @Test
  void aTokenReviewSlowerThanTheTimeoutIs401WithinTheTimeout() throws Exception {
    kube.delayTokenReviews(Duration.ofSeconds(5));
    long start = System.nanoTime();
    HttpResponse<String> r = get("slow-token", WARDLE + "/namespaces/slow/flunders");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(millis).as("answered at the 2 s review timeout, not after the 5 s review").isBetween(1_900L, 4_800L);
  }

  @Test
  void aDeniedSubjectAccessReviewIs403InKubeApiserverWordsAndIsCached() throws Exception {
    kube.answerAccessReviews(spec -> Answer.status(denied("flunders are off limits")));
    HttpResponse<String> r = get("bob-denied", WARDLE + "/namespaces/team-b/flunders");
    assertThat(r.statusCode()).isEqualTo(403);
    JsonNode status = json(r);
    assertThat(status.path("reason").asText()).isEqualTo("Forbidden");
    assertThat(status.path("message").asText()).isEqualTo("flunders.wardle.example.com is forbidden: User \"bob\" "
        + "cannot list resource \"flunders\" in API group \"wardle.example.com\" in the namespace \"team-b\": "
        + "flunders are off limits");
    assertThat(status.path("details").path("group").asText()).isEqualTo("wardle.example.com");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("flunders");
    assertThat(get("bob-denied", WARDLE + "/namespaces/team-b/flunders").statusCode()).isEqualTo(403);
    assertThat(kube.accessReviews()).as("denied decision cached").hasSize(1);
  }

  @Test
  void aNamedObjectAndAClusterScopedResourceAreNamedInTheMessage() throws Exception {
    HttpResponse<String> named = get("bob-messages", WARDLE + "/namespaces/team-b/flunders/first");
    assertThat(json(named).path("message").asText()).isEqualTo("flunders.wardle.example.com \"first\" is forbidden: "
        + "User \"bob\" cannot get resource \"flunders\" in API group \"wardle.example.com\" in the namespace \"team-b\"");
    HttpResponse<String> cluster = get("bob-messages", WARDLE + "/fischers");
    assertThat(json(cluster).path("message").asText()).isEqualTo("fischers.wardle.example.com is forbidden: "
        + "User \"bob\" cannot list resource \"fischers\" in API group \"wardle.example.com\" at the cluster scope");
    HttpResponse<String> path = get("bob-messages", "/apis");
    assertThat(path.statusCode()).isEqualTo(403);
    assertThat(json(path).path("message").asText()).isEqualTo("forbidden: User \"bob\" cannot get path \"/apis\"");
    assertThat(kube.accessReviews().get(2).path("nonResourceAttributes").path("path").asText()).isEqualTo("/apis");
  }

  @Test
  void aFailingOrSlowSubjectAccessReviewIs500AndNeverAnAllow() throws Exception {
    kube.answerAccessReviews(spec -> Answer.failure(503));
    HttpResponse<String> failing = get("alice-sar-failing", WARDLE + "/namespaces/sar-failing/flunders");
    assertThat(failing.statusCode()).isEqualTo(500);
    assertThat(json(failing).path("reason").asText()).isEqualTo("InternalError");
    assertThat(get("alice-sar-failing", WARDLE + "/namespaces/sar-failing/flunders").statusCode()).isEqualTo(500);
    assertThat(kube.accessReviews()).as("errors are not cached").hasSize(2);

    kube.answerAccessReviews(spec -> Answer.status(allowed(true, "")));
    kube.delayAccessReviews(Duration.ofSeconds(5));
    long start = System.nanoTime();
    HttpResponse<String> slow = get("alice-sar-slow", WARDLE + "/namespaces/sar-slow/flunders");
    assertThat(slow.statusCode()).isEqualTo(500);
    assertThat(json(slow).path("message").asText()).contains("did not complete within");
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1_900L, 4_800L);
  }

  @Test
  void systemMastersAreAllowedWithoutAReview() throws Exception {
    HttpResponse<String> r = server.get(WARDLE + "/namespaces/masters/flunders");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(kube.accessReviews()).isEmpty();
    assertThat(kube.tokenReviews()).isEmpty();
  }

  @Test
  void aClientCertificateFromTheClientCaIsItsUserAndIsReviewed() throws Exception {
    TestPki.Issued carol = server.pki().client("carol", "auditors");
    HttpResponse<String> r = server.send(server.clientWith(carol), "GET", WARDLE + "/namespaces/carol/flunders", null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(json(r).path("message").asText()).contains("User \"carol\" cannot list");
    assertThat(kube.accessReviews()).hasSize(1);
    assertThat(kube.accessReviews().get(0).path("groups")).extracting(JsonNode::asText)
        .containsExactly("auditors", "system:authenticated");
  }

  @Test
  void anonymousRequestsReachHealthWithoutAReviewAndAreReviewedAsSystemAnonymousElsewhere() throws Exception {
    for (String path : List.of("/healthz", "/livez", "/readyz")) {
      HttpResponse<String> r = server.send(noCertificate, "GET", path, null);
      assertThat(r.statusCode()).isEqualTo(200);
    }
    assertThat(kube.accessReviews()).isEmpty();
    HttpResponse<String> r = server.send(noCertificate, "GET", WARDLE + "/namespaces/anon/flunders", null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(json(r).path("message").asText()).startsWith("flunders.wardle.example.com is forbidden: "
        + "User \"system:anonymous\" cannot list resource \"flunders\"");
    assertThat(kube.accessReviews().get(0).path("groups")).extracting(JsonNode::asText)
        .containsExactly("system:unauthenticated");
  }

  @Test
  void withoutAnonymousAuthARequestWithoutCredentialsIs401() throws Exception {
    try (DelegatedServer strict = new DelegatedServer(dir.resolve("no-anonymous"), "--anonymous-auth=false")) {
      RunningServer s = strict.server();
      HttpResponse<String> r = s.send(s.clientWith(null), "GET", WARDLE + "/namespaces/x/flunders", null);
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(json(r).path("reason").asText()).isEqualTo("Unauthorized");
      assertThat(s.send(s.clientWith(null), "GET", "/healthz", null).statusCode()).isEqualTo(401);
      assertThat(s.get("/healthz").statusCode()).as("an authenticated probe").isEqualTo(200);
      assertThat(strict.kube().accessReviews()).isEmpty();
    }
  }
}
