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

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The front-proxy trust boundary: {@code X-Remote-*} headers are believed only on a connection whose
 * client certificate chains to the request-header CA and whose CN is allowed. Each way of forging
 * them is its own test; each is a 401 and the forged user reaches neither the authorizer (no
 * SubjectAccessReview is made) nor storage (the object it tried to create does not exist).
 */
class TrustBoundaryTest {

  @TempDir
  static Path dir;
  static DelegatedServer delegated;
  static RunningServer server;
  static FakeKubeApiserver kube;

  @BeforeAll
  static void start() throws Exception {
    delegated = new DelegatedServer(dir);
    server = delegated.server();
    kube = delegated.kube();
  }

  @AfterAll
  static void stop() {
    delegated.close();
  }

  @BeforeEach
  void allowEveryone() throws Exception {
    kube.awaitIdle(Duration.ofSeconds(5));
    kube.clearRecords();
    kube.answerAccessReviews(spec -> Answer.status(FakeKubeApiserver.allowed(true, "")));
  }


  /** POSTs a flunder named {@code name} into {@code namespace} as the forged admin, with {@code client}. */
  HttpResponse<String> forge(HttpClient client, String namespace, String name) throws Exception {
    return server.send(client, "POST", WARDLE + "/namespaces/" + namespace + "/flunders",
        RunningServer.flunder(name, "forged"), "X-Remote-User", "admin", "X-Remote-Group", "system:masters");
  }

  void assertRefusedAndNothingReachedAuthorizationOrStorage(HttpResponse<String> r, String namespace) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    JsonNode status = json(r);
    assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
    assertThat(status.path("message").asText()).isEqualTo("Unauthorized");
    assertThat(kube.accessReviews()).as("no SubjectAccessReview for the forged user").isEmpty();
    HttpResponse<String> list = server.get(WARDLE + "/namespaces/" + namespace + "/flunders");
    assertThat(json(list).path("items")).as("nothing stored").isEmpty();
  }

  @Test
  void forgedRemoteUserWithoutAClientCertificateIs401() throws Exception {
    HttpResponse<String> r = forge(server.clientWith(null), "no-cert", "forged");
    assertRefusedAndNothingReachedAuthorizationOrStorage(r, "no-cert");
  }

  @Test
  void forgedRemoteUserWithAClientCertificateFromAnotherCaIs401() throws Exception {
    TestPki rogue = new TestPki(dir.resolve("rogue"), "rogue-ca");
    TestPki.Issued lookalike = rogue.client(DelegatedServer.FRONT_PROXY_CN);
    HttpResponse<String> r = forge(server.clientWith(lookalike), "other-ca", "forged");
    assertRefusedAndNothingReachedAuthorizationOrStorage(r, "other-ca");
  }

  @Test
  void forgedRemoteUserWithTheFrontProxyCaButACommonNameNotAllowedIs401() throws Exception {
    TestPki.Issued notAllowed = delegated.frontProxyPki().client("some-other-proxy");
    HttpResponse<String> r = forge(server.clientWith(notAllowed), "wrong-cn", "forged");
    assertRefusedAndNothingReachedAuthorizationOrStorage(r, "wrong-cn");
  }

  @Test
  void theFrontProxyWithAnAllowedNameIsBelievedWithGroupsAndExtra() throws Exception {
    HttpResponse<String> r = server.send(server.clientWith(delegated.frontProxy()), "POST",
        WARDLE + "/namespaces/proxied/flunders", RunningServer.flunder("proxied", "real"),
        "X-Remote-User", "alice", "X-Remote-Group", "developers", "X-Remote-Group", "oncall",
        "X-Remote-Extra-Scopes", "view", "X-Remote-Extra-Scopes", "edit", "X-Remote-Extra-Acme.com%2Fproject", "p1");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(kube.accessReviews()).hasSize(1);
    JsonNode sar = kube.accessReviews().get(0);
    assertThat(sar.path("user").asText()).isEqualTo("alice");
    assertThat(sar.path("groups")).extracting(JsonNode::asText)
        .containsExactly("developers", "oncall", "system:authenticated");
    assertThat(sar.path("extra").path("scopes")).extracting(JsonNode::asText).containsExactly("view", "edit");
    assertThat(sar.path("extra").path("acme.com/project")).extracting(JsonNode::asText).containsExactly("p1");
    assertThat(sar.path("resourceAttributes").path("verb").asText()).isEqualTo("create");
  }

  @Test
  void aClientCaCertificateIsItsOwnUserWhateverHeadersItSends() throws Exception {
    TestPki.Issued carol = server.pki().client("carol");
    HttpResponse<String> r = forge(server.clientWith(carol), "carol", "by-carol");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(kube.accessReviews()).hasSize(1);
    assertThat(kube.accessReviews().get(0).path("user").asText()).isEqualTo("carol");
    assertThat(kube.accessReviews().get(0).path("groups")).extracting(JsonNode::asText)
        .containsExactly("system:authenticated");
  }
}
