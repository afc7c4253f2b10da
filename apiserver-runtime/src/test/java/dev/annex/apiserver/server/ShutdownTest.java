package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM with {@code --shutdown-delay-duration}: /readyz fails at once (so the pod leaves its
 * Service's endpoints) while requests are still answered; the listener closes after the delay, and
 * the requests then in flight are answered before the server stops. Runs with the fabric8 mock
 * tests: a SubjectAccessReview the fake kube-apiserver answers late holds a request in flight.
 */
class ShutdownTest {

  private static final Duration DELAY = Duration.ofSeconds(3);
  private static final Duration REVIEW_DELAY = Duration.ofSeconds(3);

  @TempDir
  Path dir;

  @Test
  void readyzFailsWhileTheServerKeepsServingForTheDelayThenItStopsListening() throws Exception {
    try (RunningServer server = new RunningServer(dir, "--shutdown-delay-duration=" + DELAY.toSeconds() + "s")) {
      String flunders = WARDLE + "/namespaces/default/flunders";
      assertThat(server.post(flunders, flunder("kept", "x")).statusCode()).isEqualTo(201);
      assertThat(server.get("/readyz").statusCode()).isEqualTo(200);

      long started = System.nanoTime();
      CompletableFuture<Void> stopped = shutDownInTheBackground(server);

      await().atMost(Duration.ofSeconds(2)).alias("/readyz fails once shutdown begins")
          .until(() -> server.get("/readyz").statusCode() == 500);
      HttpResponse<String> readyz = server.get("/readyz?verbose");
      assertThat(readyz.body()).contains("[+]ping ok\n", "[-]shutdown failed: reason withheld\n", "readyz check failed\n");
      assertThat(server.get("/readyz/shutdown").body()).isEqualTo("internal server error: process is shutting down\n");
      assertThat(server.get("/healthz").body()).as("the kubelet must not restart a pod that is stopping").isEqualTo("ok");
      assertThat(server.get("/livez").body()).isEqualTo("ok");
      // a new connection too: the listener is open for the whole delay
      HttpClient fresh = server.clientWith(server.admin());
      assertThat(server.send(fresh, "GET", flunders + "/kept", null).statusCode()).isEqualTo(200);
      assertThat(server.post(flunders, flunder("during-the-delay", "x")).statusCode()).isEqualTo(201);

      stopped.get(DELAY.toSeconds() + 10, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("served for the whole delay")
          .isGreaterThanOrEqualTo(DELAY);
      assertThatThrownBy(() -> server.send(server.clientWith(server.admin()), "GET", "/readyz", null))
          .as("no longer listening").isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void aRequestInFlightWhenTheListenerClosesIsAnsweredBeforeTheServerStops() throws Exception {
    try (DelegatedServer delegated = new DelegatedServer(dir)) {
      RunningServer server = delegated.server();
      FakeKubeApiserver kube = delegated.kube();
      kube.answerAccessReviews(spec -> FakeKubeApiserver.Answer.status(FakeKubeApiserver.allowed(true, null)));
      kube.delayAccessReviews(REVIEW_DELAY);
      HttpClient alice = server.clientWith(server.pki().client("alice")); // not in system:masters: reviewed
      CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return server.send(alice, "GET", WARDLE + "/namespaces/default/flunders", null);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(Duration.ofSeconds(5)).alias("the request waits for its SubjectAccessReview")
          .until(() -> !kube.accessReviews().isEmpty());

      CompletableFuture<Void> stopped = shutDownInTheBackground(server);
      await().atMost(Duration.ofSeconds(2)).alias("no delay: the listener closes at once")
          .untilAsserted(() -> assertThatThrownBy(() -> server.send(server.clientWith(server.admin()), "GET", "/readyz", null))
              .isInstanceOf(ConnectException.class));
      assertThat(inFlight).as("still waiting for its review").isNotDone();
      assertThat(stopped).as("the server waits for the request in flight").isNotDone();

      HttpResponse<String> answered = inFlight.get(REVIEW_DELAY.toSeconds() + 10, TimeUnit.SECONDS);
      assertThat(answered.statusCode()).isEqualTo(200);
      assertThat(answered.body()).contains("\"kind\":\"FlunderList\"");
      stopped.get(10, TimeUnit.SECONDS);
    }
  }

  /** What SIGTERM starts: {@link RunningServer#shutdown()} on another thread, done when the server has stopped. */
  private static CompletableFuture<Void> shutDownInTheBackground(RunningServer server) {
    return CompletableFuture.runAsync(() -> {
      try {
        server.shutdown();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
