package dev.annex.apiserver.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The fabric8 mock server standing in for the kube-apiserver: TokenReview and SubjectAccessReview
 * answered by expectations whose answer the test sets (and may delay or fail), every review
 * recorded; anything else (the extension-apiserver-authentication ConfigMap) served by the mock's
 * CRUD mode, watches included.
 */
public final class FakeKubeApiserver implements AutoCloseable {

  public static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  public static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The answer to one review: an HTTP code and, for 201, the review's {@code status}. */
  public record Answer(int code, ObjectNode status) {
    public static Answer status(ObjectNode status) {
      return new Answer(201, status);
    }

    public static Answer failure(int code) {
      return new Answer(code, null);
    }
  }

  private final KubernetesMockServer server;
  private final List<JsonNode> tokenReviews = new CopyOnWriteArrayList<>();
  private final List<JsonNode> accessReviews = new CopyOnWriteArrayList<>();
  private final List<String> reviewCredentials = new CopyOnWriteArrayList<>();
  private volatile Function<JsonNode, Answer> tokenAnswer = spec -> Answer.status(JSON.createObjectNode().put("authenticated", false));
  private volatile Function<JsonNode, Answer> accessAnswer = spec -> Answer.status(JSON.createObjectNode().put("allowed", false));
  private volatile Duration tokenDelay = Duration.ZERO;
  private volatile Duration accessDelay = Duration.ZERO;
  private final java.util.concurrent.atomic.AtomicInteger busy = new java.util.concurrent.atomic.AtomicInteger();

  public FakeKubeApiserver() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expect().post().withPath(TOKEN_REVIEWS).andReply(new Review(tokenReviews, () -> tokenAnswer, () -> tokenDelay)).always();
    server.expect().post().withPath(ACCESS_REVIEWS).andReply(new Review(accessReviews, () -> accessAnswer, () -> accessDelay)).always();
  }

  /** How TokenReviews are answered, from the review's spec. */
  public void answerTokenReviews(Function<JsonNode, Answer> answer) {
    this.tokenAnswer = answer;
  }

  /** How SubjectAccessReviews are answered, from the review's spec. */
  public void answerAccessReviews(Function<JsonNode, Answer> answer) {
    this.accessAnswer = answer;
  }

  /** Every TokenReview waits this long before its answer. */
  public void delayTokenReviews(Duration delay) {
    this.tokenDelay = delay;
  }

  /** Every SubjectAccessReview waits this long before its answer. */
  public void delayAccessReviews(Duration delay) {
    this.accessDelay = delay;
  }

  /** The specs of the TokenReviews received so far. */
  public List<JsonNode> tokenReviews() {
    return List.copyOf(tokenReviews);
  }

  /** The specs of the SubjectAccessReviews received so far. */
  public List<JsonNode> accessReviews() {
    return List.copyOf(accessReviews);
  }

  /** Waits until no review is being answered (a delayed one from an earlier test included). */
  public void awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (busy.get() > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the fake kube-apiserver is still answering a review after " + timeout);
      }
      Thread.sleep(20);
    }
  }

  /** The Authorization header of every review received: how the runtime identified itself. */
  public List<String> reviewCredentials() {
    return List.copyOf(reviewCredentials);
  }

  public void clearRecords() {
    tokenReviews.clear();
    accessReviews.clear();
    reviewCredentials.clear();
  }

  /** A client of the mock, for the test to create and change objects (the ConfigMap). */
  public NamespacedKubernetesClient client() {
    return server.createClient();
  }

  /** A kubeconfig pointing at the mock, as {@code --authentication-kubeconfig} takes it. */
  public Path writeKubeconfig(Path file) throws java.io.IOException {
    return Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster: {server: "http://127.0.0.1:%d"}
        users:
        - name: annex-runtime
          user: {token: runtime-service-account-token}
        contexts:
        - name: fake
          context: {cluster: fake, user: annex-runtime}
        current-context: fake
        """.formatted(server.getPort()));
  }

  /** allowed=true / allowed=false with a reason / denied=true with a reason: SubjectAccessReview statuses. */
  public static ObjectNode allowed(boolean allowed, String reason) {
    ObjectNode s = JSON.createObjectNode().put("allowed", allowed);
    if (reason != null) {
      s.put("reason", reason);
    }
    return s;
  }

  public static ObjectNode denied(String reason) {
    return JSON.createObjectNode().put("allowed", false).put("denied", true).put("reason", reason);
  }

  /** An authenticated TokenReview status for {@code user} in {@code groups}. */
  public static ObjectNode authenticated(String user, String uid, String... groups) {
    ObjectNode s = JSON.createObjectNode().put("authenticated", true);
    ObjectNode u = s.putObject("user").put("username", user).put("uid", uid);
    var g = u.putArray("groups");
    for (String group : groups) {
      g.add(group);
    }
    return s;
  }

  @Override
  public void close() {
    server.destroy();
  }

  /** Records the review's spec and answers it as the test says, after the delay. */
  private final class Review implements ResponseProvider<Object> {
    private final List<JsonNode> records;
    private final java.util.function.Supplier<Function<JsonNode, Answer>> answers;
    /** The answer and the request body between getStatusCode and getBody (the body can be read only once). */
    private final ThreadLocal<Answer> current = new ThreadLocal<>();
    private final ThreadLocal<String> body = new ThreadLocal<>();
    private Headers headers = Headers.builder().build();

    private final java.util.function.Supplier<Duration> delay;

    Review(List<JsonNode> records, java.util.function.Supplier<Function<JsonNode, Answer>> answers,
           java.util.function.Supplier<Duration> delay) {
      this.records = records;
      this.answers = answers;
      this.delay = delay;
    }

    private Answer answer(RecordedRequest request) {
      Answer a = current.get();
      if (a == null) {
        busy.incrementAndGet();
        try {
          reviewCredentials.add(String.valueOf(request.getHeader("Authorization")));
          String text = request.getUtf8Body();
          body.set(text);
          JsonNode review = JSON.readTree(text);
          records.add(review.path("spec"));
          a = answers.get().apply(review.path("spec"));
          Duration wait = delay.get();
          if (!wait.isZero()) {
            Thread.sleep(wait.toMillis());
          }
        } catch (Exception e) {
          a = Answer.failure(500);
        } finally {
          busy.decrementAndGet();
        }
        current.set(a);
      }
      return a;
    }

    @Override
    public int getStatusCode(RecordedRequest request) {
      return answer(request).code();
    }

    @Override
    public Object getBody(RecordedRequest request) {
      Answer a = answer(request);
      String text = body.get();
      current.remove();
      body.remove();
      if (a.status() == null) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"injected failure\","
            + "\"reason\":\"InternalError\",\"code\":" + a.code() + "}";
      }
      ObjectNode review;
      try {
        review = (ObjectNode) JSON.readTree(text);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      review.set("status", a.status());
      return review.toString();
    }

    @Override
    public Headers getHeaders() {
      return headers;
    }

    @Override
    public void setHeaders(Headers headers) {
      this.headers = headers;
    }
  }
}
