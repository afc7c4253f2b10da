package dev.annex.apiserver.filters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.UserInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The assembled chain around a handler the test controls: the in-flight limits (429 with
 * Retry-After, watches not counted), the request timeout (504), panic recovery (500, and the
 * next request is served) and the audit line.
 */
class HandlerChainTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FLUNDERS = "/apis/wardle.example.com/v1alpha1/namespaces/ns/flunders";

  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final ExecutorService clients = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    workers.shutdownNow();
    clients.shutdownNow();
  }

  private Handler chain(Handler api, int readOnlyLimit, int mutatingLimit, Duration timeout,
                        AuditFilter.Level level, StringWriter audit) {
    Authenticator alice = request -> Optional.of(new UserInfo("alice", List.of("developers")));
    return answered(HandlerChain.build(api, new HandlerChain.Config(List.of(alice), true, Authorizer.alwaysAllow(),
        new MaxInFlightFilter(readOnlyLimit, mutatingLimit), timeout, workers, level, audit)));
  }

  /** The chain as a client sees it: a deferred answer once the worker (or the timeout) gives it. */
  private static Handler answered(Handler chain) {
    return request -> ApiResponse.await(chain.handle(request));
  }

  private static ApiRequest request(String method, String path, String... query) {
    Map<String, List<String>> q = new HashMap<>();
    for (int i = 0; i < query.length; i += 2) {
      q.put(query[i], List.of(query[i + 1]));
    }
    return new ApiRequest(method, path, q, Map.of("user-agent", List.of("kubectl/v1.37.2")),
        "{\"kind\":\"Flunder\"}".getBytes(StandardCharsets.UTF_8), List.of(), "127.0.0.1");
  }

  private static JsonNode body(ApiResponse r) throws Exception {
    return JSON.readTree(((ApiResponse.Full) r).body());
  }

  @Test
  void overTheReadOnlyLimitIs429WithRetryAfterWhileMutatingAndWatchesGoOn() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Handler api = request -> {
      if (request.method().equals("GET") && request.param("watch") == null && request.path().endsWith("/slow")) {
        entered.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return ApiResponse.text(200, "ok");
    };
    Handler chain = chain(api, 1, 1, Duration.ofSeconds(30), AuditFilter.Level.None, null);
    Future<ApiResponse> holding = clients.submit(() -> chain.handle(request("GET", FLUNDERS + "/slow")));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    ApiResponse refused = chain.handle(request("GET", FLUNDERS));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.headers()).containsEntry("retry-after", "1");
    JsonNode status = body(refused);
    assertThat(status.path("reason").asText()).isEqualTo("TooManyRequests");
    assertThat(status.path("message").asText()).isEqualTo("Too many requests, please try again later.");
    assertThat(status.path("details").path("retryAfterSeconds").asInt()).isEqualTo(1);

    assertThat(chain.handle(request("POST", FLUNDERS)).status()).as("mutating has its own limit").isEqualTo(200);
    assertThat(chain.handle(request("GET", FLUNDERS, "watch", "true")).status()).as("watches are not counted")
        .isEqualTo(200);
    release.countDown();
    assertThat(holding.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(chain.handle(request("GET", FLUNDERS)).status()).as("a free slot again").isEqualTo(200);
  }

  @Test
  void aHandlerSlowerThanTheRequestTimeoutIs504AndItsLateWorkIsLeftToFinish() throws Exception {
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Handler slow = request -> {
      try {
        Thread.sleep(1_500);
      } catch (InterruptedException e) {
        interrupted.set(true);
      } finally {
        done.countDown();
      }
      return ApiResponse.text(200, "too late");
    };
    Handler chain = chain(slow, 0, 0, Duration.ofMillis(300), AuditFilter.Level.None, null);
    long start = System.nanoTime();
    ApiResponse r = chain.handle(request("GET", FLUNDERS));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.status()).isEqualTo(504);
    JsonNode status = body(r);
    assertThat(status.path("reason").asText()).isEqualTo("Timeout");
    assertThat(status.path("message").asText()).isEqualTo("Timeout: request did not complete within the allotted timeout");
    assertThat(status.path("code").asInt()).isEqualTo(504);
    assertThat(millis).as("answered at the timeout, before the handler").isBetween(250L, 1_400L);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(interrupted).as("the late work is not interrupted (a storage write could stop half way)").isFalse();

    Handler quick = chain(request -> ApiResponse.text(200, "ok"), 0, 0, Duration.ofMillis(300), AuditFilter.Level.None, null);
    assertThat(quick.handle(request("GET", FLUNDERS)).status()).isEqualTo(200);
    Handler shorter = chain(slow, 0, 0, Duration.ofSeconds(30), AuditFilter.Level.None, null);
    assertThat(shorter.handle(request("GET", FLUNDERS, "timeout", "200ms")).status())
        .as("a shorter ?timeout= wins").isEqualTo(504);
    assertThat(shorter.handle(request("GET", FLUNDERS, "timeout", "soon")).status()).isEqualTo(400);
  }

  @Test
  void aFailingHandlerIsA500StatusAndTheNextRequestIsServed() throws Exception {
    AtomicBoolean fail = new AtomicBoolean(true);
    Handler chain = chain(request -> {
      if (fail.getAndSet(false)) {
        throw new IllegalStateException("boom");
      }
      return ApiResponse.text(200, "ok");
    }, 0, 0, Duration.ofSeconds(5), AuditFilter.Level.None, null);
    ApiResponse r = chain.handle(request("GET", FLUNDERS));
    assertThat(r.status()).isEqualTo(500);
    assertThat(body(r).path("reason").asText()).isEqualTo("InternalError");
    assertThat(body(r).path("message").asText()).isEqualTo("Internal error occurred: boom");
    assertThat(chain.handle(request("GET", FLUNDERS)).status()).isEqualTo(200);
  }

  @Test
  void oneAuditLineAtMetadataLevelPerRequest() throws Exception {
    StringWriter audit = new StringWriter();
    Handler chain = chain(request -> ApiResponse.text(201, "created"), 0, 0, Duration.ofSeconds(5),
        AuditFilter.Level.Metadata, audit);
    chain.handle(request("POST", FLUNDERS, "dryRun", "All"));
    String[] lines = audit.toString().split("\n");
    assertThat(lines).hasSize(1);
    JsonNode e = JSON.readTree(lines[0]);
    assertThat(e.path("apiVersion").asText()).isEqualTo("audit.k8s.io/v1");
    assertThat(e.path("kind").asText()).isEqualTo("Event");
    assertThat(e.path("level").asText()).isEqualTo("Metadata");
    assertThat(e.path("stage").asText()).isEqualTo("ResponseComplete");
    assertThat(e.path("verb").asText()).isEqualTo("create");
    assertThat(e.path("requestURI").asText()).isEqualTo(FLUNDERS + "?dryRun=All");
    assertThat(e.path("user").path("username").asText()).isEqualTo("alice");
    assertThat(e.path("user").path("groups")).extracting(JsonNode::asText)
        .containsExactly("developers", "system:authenticated");
    assertThat(e.path("objectRef").path("resource").asText()).isEqualTo("flunders");
    assertThat(e.path("objectRef").path("namespace").asText()).isEqualTo("ns");
    assertThat(e.path("responseStatus").path("code").asInt()).isEqualTo(201);
    assertThat(e.path("sourceIPs").get(0).asText()).isEqualTo("127.0.0.1");
    assertThat(e.path("userAgent").asText()).isEqualTo("kubectl/v1.37.2");
    assertThat(e.path("annotations").path("apiserver.latency.k8s.io/total").asText()).matches("[0-9.]+(ns|µs|ms|s)");
    assertThat(e.has("requestObject")).as("Metadata level leaves the body out").isFalse();
  }

  @Test
  void requestLevelAddsTheBodyAndNoneWritesNothing() throws Exception {
    StringWriter request = new StringWriter();
    chain(r -> ApiResponse.text(201, "created"), 0, 0, Duration.ofSeconds(5), AuditFilter.Level.Request, request)
        .handle(request("POST", FLUNDERS));
    assertThat(JSON.readTree(request.toString()).path("requestObject").path("kind").asText()).isEqualTo("Flunder");
    StringWriter none = new StringWriter();
    chain(r -> ApiResponse.text(201, "created"), 0, 0, Duration.ofSeconds(5), AuditFilter.Level.None, none)
        .handle(request("POST", FLUNDERS));
    assertThat(none.toString()).isEmpty();
  }

  @Test
  void refusedCredentialsAreAuditedAs401() throws Exception {
    StringWriter audit = new StringWriter();
    Authenticator refusing = request -> {
      throw new Authenticator.AuthenticationException("invalid bearer token");
    };
    Handler chain = answered(HandlerChain.build(request -> ApiResponse.text(200, "ok"), new HandlerChain.Config(
        List.of(refusing), true, Authorizer.alwaysAllow(), new MaxInFlightFilter(0, 0), Duration.ofSeconds(5), workers,
        AuditFilter.Level.Metadata, audit)));
    assertThat(chain.handle(request("GET", FLUNDERS)).status()).isEqualTo(401);
    JsonNode e = JSON.readTree(audit.toString());
    assertThat(e.path("responseStatus").path("code").asInt()).isEqualTo(401);
    assertThat(e.path("user").path("username").asText()).isEqualTo("system:anonymous");
  }
}
