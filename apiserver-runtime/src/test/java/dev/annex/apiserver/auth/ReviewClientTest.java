package dev.annex.apiserver.auth;

import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.FakeKubeApiserver.Answer;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.annex.apiserver.testsupport.FakeKubeApiserver.ACCESS_REVIEWS;
import static dev.annex.apiserver.testsupport.FakeKubeApiserver.allowed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The review transport on its own: answers, refusals, a slow server, and more reviews at once than connections. */
class ReviewClientTest {

  static FakeKubeApiserver kube;
  static Config config;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    kube = new FakeKubeApiserver();
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  static SubjectAccessReview review(String name) {
    return new SubjectAccessReviewBuilder().withNewSpec().withUser("alice")
        .withNewResourceAttributes().withVerb("get").withResource("flunders").withName(name).endResourceAttributes()
        .endSpec().build();
  }

  @Test
  void aReviewIsPostedWithTheKubeconfigsTokenAndItsStatusReadBack() {
    kube.clearRecords();
    kube.answerAccessReviews(spec -> Answer.status(allowed(spec.path("resourceAttributes").path("name").asText()
        .equals("mine"), "because")));
    try (ReviewClient client = new ReviewClient(config, Duration.ofSeconds(5))) {
      SubjectAccessReview mine = client.create(ACCESS_REVIEWS, review("mine"), SubjectAccessReview.class, Duration.ofSeconds(5));
      SubjectAccessReview theirs = client.create(ACCESS_REVIEWS, review("theirs"), SubjectAccessReview.class, Duration.ofSeconds(5));
      assertThat(mine.getStatus().getAllowed()).isTrue();
      assertThat(mine.getStatus().getReason()).isEqualTo("because");
      assertThat(theirs.getStatus().getAllowed()).isFalse();
      assertThat(kube.accessReviews()).hasSize(2);
      assertThat(kube.accessReviews().get(0).path("user").asText()).isEqualTo("alice");
      assertThat(kube.reviewCredentials()).containsOnly("Bearer runtime-service-account-token");
    }
  }

  @Test
  void aRefusalCarriesTheCodeAndTheServersStatusSoItCanBeRetried() {
    kube.answerAccessReviews(spec -> Answer.failure(500));
    try (ReviewClient client = new ReviewClient(config, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> client.create(ACCESS_REVIEWS, review("x"), SubjectAccessReview.class, Duration.ofSeconds(5)))
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(500);
            assertThat(e.getStatus().getMessage()).isEqualTo("injected failure");
            assertThat(DelegatedClient.retriable(e)).isTrue();
          });
    }
  }

  @Test
  void aSlowServerIsGivenUpOnAtTheTimeoutAndTheConnectionIsNotReused() throws Exception {
    kube.answerAccessReviews(spec -> Answer.status(allowed(true, null)));
    kube.delayAccessReviews(Duration.ofSeconds(2));
    try (ReviewClient client = new ReviewClient(config, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> client.create(ACCESS_REVIEWS, review("slow"), SubjectAccessReview.class, Duration.ofMillis(300)))
          .isInstanceOf(KubernetesClientException.class).hasMessageContaining("did not answer within");
      kube.delayAccessReviews(Duration.ZERO);
      kube.awaitIdle(Duration.ofSeconds(5));
      SubjectAccessReview next = client.create(ACCESS_REVIEWS, review("next"), SubjectAccessReview.class, Duration.ofSeconds(5));
      assertThat(next.getSpec().getResourceAttributes().getName()).as("the answer to this review, not the late one")
          .isEqualTo("next");
    } finally {
      kube.delayAccessReviews(Duration.ZERO);
    }
  }

  /** A server that answers one review per connection, then closes it without saying so, as an idle timeout does. */
  @Test
  void aKeptConnectionTheServerClosedIsReplacedAndTheReviewStillAnswered() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger connections = new AtomicInteger();
      Thread answering = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            connections.incrementAndGet();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
              if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
              }
            }
            in.skip(length);
            String body = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
                + "\"status\":{\"allowed\":true,\"reason\":\"conn " + connections.get() + "\"}}";
            s.getOutputStream().write(("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
          } catch (IOException e) {
            // the test closed the server
          }
        }
      });
      answering.setDaemon(true);
      answering.start();
      Config plain = new io.fabric8.kubernetes.client.ConfigBuilder(Config.empty())
          .withMasterUrl("http://127.0.0.1:" + server.getLocalPort()).withOauthToken("t").build();
      try (ReviewClient client = new ReviewClient(plain, Duration.ofSeconds(5))) {
        SubjectAccessReview first = client.create(ACCESS_REVIEWS, review("a"), SubjectAccessReview.class, Duration.ofSeconds(5));
        SubjectAccessReview second = client.create(ACCESS_REVIEWS, review("b"), SubjectAccessReview.class, Duration.ofSeconds(5));
        assertThat(first.getStatus().getReason()).isEqualTo("conn 1");
        assertThat(second.getStatus().getReason()).as("answered on a new connection").isEqualTo("conn 2");
      }
    }
  }

  @Test
  void moreReviewsAtOnceThanConnectionsAllGetTheirOwnAnswer() throws Exception {
    kube.answerAccessReviews(spec -> Answer.status(allowed(true, spec.path("resourceAttributes").path("name").asText())));
    int reviews = ReviewClient.MAX_CONNECTIONS * 3;
    ExecutorService callers = Executors.newFixedThreadPool(reviews);
    try (ReviewClient client = new ReviewClient(config, Duration.ofSeconds(5))) {
      List<Future<SubjectAccessReview>> answers = new ArrayList<>();
      for (int i = 0; i < reviews; i++) {
        String name = "n" + i;
        answers.add(callers.submit(() -> client.create(ACCESS_REVIEWS, review(name), SubjectAccessReview.class,
            Duration.ofSeconds(10))));
      }
      for (int i = 0; i < reviews; i++) {
        assertThat(answers.get(i).get().getStatus().getReason()).isEqualTo("n" + i);
      }
    } finally {
      callers.shutdownNow();
    }
  }
}
