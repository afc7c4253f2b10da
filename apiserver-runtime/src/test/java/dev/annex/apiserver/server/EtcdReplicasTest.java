package dev.annex.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.etcd.Compactor;
import dev.annex.apiserver.storage.etcd.EtcdConfig;
import dev.annex.apiserver.testsupport.EtcdServer;
import dev.annex.apiserver.testsupport.RunningServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.annex.apiserver.testsupport.RunningServer.JSON;
import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two runtime replicas on one real etcd serve one API: what one writes the other reads and
 * watches, concurrent updates through both lose nothing, compaction answers 410, and while etcd is
 * down /readyz fails and requests answer 503/504 as a Status.
 */
class EtcdReplicasTest {

  private static final String NS = WARDLE + "/namespaces/default/flunders";

  @TempDir
  static Path etcdDir;
  static EtcdServer etcd;
  static Client client;

  @TempDir
  Path dir;
  RunningServer a;
  RunningServer b;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = new EtcdServer(etcdDir);
    client = new EtcdConfig(List.of(etcd.endpoint()), "/", null, null, null, Duration.ZERO, Duration.ofSeconds(5))
        .connect();
  }

  @AfterAll
  static void stopEtcd() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void startReplicas() throws Exception {
    String prefix = "--etcd-prefix=/registry/" + UUID.randomUUID();
    a = new RunningServer(Files.createDirectories(dir.resolve("a")), "--storage-backend=etcd3", "--etcd-servers=" + etcd.endpoint(), prefix,
        "--watch-history-size=20");
    b = new RunningServer(Files.createDirectories(dir.resolve("b")), "--storage-backend=etcd3", "--etcd-servers=" + etcd.endpoint(), prefix,
        "--watch-history-size=20");
  }

  @AfterEach
  void stopReplicas() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void anObjectCreatedThroughOneReplicaIsReadableAndWatchableThroughTheOther() throws Exception {
    String rv = json(b.get(NS)).path("metadata").path("resourceVersion").asText();
    List<JsonNode> events = watch(b, NS + "?watch=true&resourceVersion=" + rv);
    HttpResponse<String> created = a.post(NS, flunder("one", "r1"));
    assertThat(created.statusCode()).isEqualTo(201);
    String createdRv = json(created).path("metadata").path("resourceVersion").asText();

    HttpResponse<String> read = b.get(NS + "/one");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json(read).path("metadata").path("resourceVersion").asText()).isEqualTo(createdRv);
    await().atMost(Duration.ofSeconds(10)).alias("replica b's watch sees the create through a")
        .until(() -> !events.isEmpty());
    assertThat(events.get(0).path("type").asText()).isEqualTo("ADDED");
    assertThat(events.get(0).path("object").path("metadata").path("resourceVersion").asText()).isEqualTo(createdRv);
    // a resourceVersion=0 list on b is served by its watch cache, which has caught up too
    await().atMost(Duration.ofSeconds(10)).alias("b's cache lists the object")
        .until(() -> json(b.get(NS + "?resourceVersion=0")).path("items").size() == 1);
  }

  /** Unpaged lists come from the watch cache's kept encodings, paged ones from etcd: a client sees no difference. */
  @Test
  void listsFromTheWatchCacheReadAsListsFromEtcdInEveryForm() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(a.post(NS, flunder("f" + i, "r\u00e9 \\\" " + i)).statusCode()).isEqualTo(201);
    }
    String beta = "/apis/wardle.example.com/v1beta1/namespaces/default/flunders";
    String table = "application/json;as=Table;v=v1;g=meta.k8s.io";
    List<String[]> forms = List.of(
        new String[] {NS, "application/json"},
        new String[] {NS, table},
        new String[] {NS + "?includeObject=None", table},
        new String[] {NS + "?includeObject=Object", table},
        new String[] {beta, table},
        new String[] {beta, "application/json"},
        new String[] {NS, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"});
    for (String[] form : forms) {
      String paged = form[0] + (form[0].contains("?") ? "&" : "?") + "limit=100";
      await().atMost(Duration.ofSeconds(10)).alias("b lists " + form[0] + " as " + form[1] + " alike from its cache and etcd")
          .untilAsserted(() -> assertThat(comparable(b.get(form[0], "Accept", form[1])))
              .isEqualTo(comparable(b.get(paged, "Accept", form[1]))));
      assertThat(comparable(b.get(form[0], "Accept", form[1])).path(form[1].contains("Table") ? "rows" : "items")).hasSize(3);
    }
  }

  /** A list without its resourceVersion (the cache's and etcd's differ), and Tables without the Age cell (time passes). */
  private static JsonNode comparable(HttpResponse<String> list) throws Exception {
    assertThat(list.statusCode()).isEqualTo(200);
    ObjectNode body = (ObjectNode) json(list);
    body.remove("metadata");
    body.put("content-type", list.headers().firstValue("content-type").orElse(""));
    for (JsonNode row : body.path("rows")) {
      ((ArrayNode) row.path("cells")).remove(row.path("cells").size() - 1);
    }
    return body;
  }

  @Test
  void concurrentUpdatesThroughBothReplicasLoseNone() throws Exception {
    assertThat(a.post(NS, flunder("counter", "0")).statusCode()).isEqualTo(201);
    int perReplica = 15;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Integer>> conflicts = new ArrayList<>();
    try {
      for (RunningServer replica : List.of(a, b, a, b)) {
        conflicts.add(pool.submit(() -> increment(replica, perReplica / 2 + 1)));
      }
      for (Future<Integer> f : conflicts) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int total = 4 * (perReplica / 2 + 1);
    JsonNode counter = json(b.get(NS + "/counter"));
    assertThat(counter.path("spec").path("reference").asText()).isEqualTo(Integer.toString(total));
    int sumOfConflicts = 0;
    for (Future<Integer> f : conflicts) {
      sumOfConflicts += f.get();
    }
    assertThat(sumOfConflicts).as("read-modify-write races through two replicas were refused with 409").isPositive();
  }

  /** Adds one to spec.reference {@code times} times with get + put, retrying on 409; returns the 409s seen. */
  private static int increment(RunningServer replica, int times) throws Exception {
    int conflicts = 0;
    for (int done = 0; done < times; ) {
      ObjectNode current = (ObjectNode) json(replica.get(NS + "/counter"));
      int n = Integer.parseInt(current.path("spec").path("reference").asText());
      current.withObject("/spec").put("reference", Integer.toString(n + 1));
      HttpResponse<String> put = replica.put(NS + "/counter", JSON.writeValueAsString(current));
      if (put.statusCode() == 409) {
        conflicts++;
        continue;
      }
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      done++;
    }
    return conflicts;
  }

  @Test
  void afterCompactionAStaleContinueIsExpiredAndAWatchFromBeforeTheWindowIsGone() throws Exception {
    String first = null;
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> created = a.post(NS, flunder("o" + i, "r"));
      assertThat(created.statusCode()).isEqualTo(201);
      if (first == null) {
        first = json(created).path("metadata").path("resourceVersion").asText();
      }
    }
    JsonNode page = json(a.get(NS + "?limit=5"));
    String token = page.path("metadata").path("continue").asText();
    assertThat(token).isNotEmpty();
    assertThat(json(a.get(NS + "?limit=5&continue=" + token)).path("items").size()).isEqualTo(5);

    long current = Long.parseLong(json(a.post(NS, flunder("last", "r"))).path("metadata").path("resourceVersion").asText());
    Compactor.compact(client, current, Duration.ofSeconds(10));

    HttpResponse<String> stale = a.get(NS + "?limit=5&continue=" + token);
    assertThat(stale.statusCode()).isEqualTo(410);
    assertThat(json(stale).path("reason").asText()).isEqualTo("Expired");
    assertThat(json(stale).path("message").asText()).startsWith("The provided continue parameter is too old");

    HttpResponse<String> exact = a.get(NS + "?resourceVersion=" + first + "&resourceVersionMatch=Exact");
    assertThat(exact.statusCode()).isEqualTo(410);
    assertThat(json(exact).path("reason").asText()).isEqualTo("Expired");

    // the watch cache keeps 20 changes (--watch-history-size): 31 writes later, the first is gone
    List<JsonNode> events = watch(b, NS + "?watch=true&resourceVersion=" + first);
    await().atMost(Duration.ofSeconds(10)).alias("an ERROR event").until(() -> !events.isEmpty());
    assertThat(events.get(0).path("type").asText()).isEqualTo("ERROR");
    assertThat(events.get(0).path("object").path("code").asInt()).isEqualTo(410);
    assertThat(events.get(0).path("object").path("reason").asText()).isEqualTo("Expired");
    assertThat(events.get(0).path("object").path("message").asText()).startsWith("too old resource version: ");
  }

  @Test
  void whileEtcdIsDownReadyzFailsAndRequestsAnswer503Or504() throws Exception {
    assertThat(a.post(NS, flunder("before", "r")).statusCode()).isEqualTo(201);
    assertThat(a.get("/readyz").statusCode()).isEqualTo(200);
    etcd.stop();
    try {
      await().atMost(Duration.ofSeconds(15)).alias("/readyz fails").until(() -> a.get("/readyz").statusCode() == 500);
      HttpResponse<String> readyz = a.get("/readyz");
      assertThat(readyz.body()).contains("[-]etcd failed: reason withheld").contains("readyz check failed");
      assertThat(a.get("/readyz/etcd").body()).startsWith("internal server error: ");
      assertThat(a.get("/livez").statusCode()).as("a restart does not bring etcd back").isEqualTo(200);
      // a request waiting on etcd does not hold up another stream of the same HTTP/2 connection
      var waiting = a.client().sendAsync(HttpRequest.newBuilder(a.uri(NS + "/before")).build(),
          HttpResponse.BodyHandlers.ofString());
      Thread.sleep(200);
      long livezStarted = System.nanoTime();
      assertThat(a.get("/livez").statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - livezStarted)).isLessThan(Duration.ofMillis(700));
      assertThat(waiting.get(15, TimeUnit.SECONDS).statusCode()).isIn(503, 504);

      long started = System.nanoTime();
      HttpResponse<String> get = a.get(NS + "/before");
      HttpResponse<String> create = a.post(NS, flunder("during", "r"));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      for (HttpResponse<String> r : List.of(get, create)) {
        assertThat(r.statusCode()).as(r.body()).isIn(503, 504);
        JsonNode status = json(r);
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isIn("ServiceUnavailable", "Timeout");
      }
      assertThat(took).as("both fail within the request timeout, not after a hang").isLessThan(Duration.ofSeconds(15));
      // a watch, whose 200 is out before the storage is asked, reports it as one ERROR event and ends
      HttpResponse<String> watch = a.get(NS + "?watch=true&resourceVersion=1");
      JsonNode error = JSON.readTree(watch.body().lines().findFirst().orElseThrow());
      assertThat(error.path("type").asText()).isEqualTo("ERROR");
      assertThat(error.path("object").path("code").asInt()).isIn(503, 504);
    } finally {
      etcd.start();
    }
    await().atMost(Duration.ofSeconds(30)).alias("/readyz passes again").until(() -> a.get("/readyz").statusCode() == 200);
    await().atMost(Duration.ofSeconds(30)).alias("writes work again")
        .until(() -> a.post(NS, flunder("after", "r")).statusCode() == 201);
    // b reconnects on its own (gRPC's reconnect backoff); then it lists what a wrote before and after
    await().atMost(Duration.ofSeconds(30)).alias("b lists again").until(() -> b.get(NS).statusCode() == 200);
    List<String> names = new ArrayList<>();
    json(b.get(NS)).path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
    assertThat(names).contains("before", "after");
  }

  /** Streams a watch's events into a list, on a background thread, until the test's server closes. */
  private static List<JsonNode> watch(RunningServer server, String path) throws Exception {
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    HttpResponse<Stream<String>> response = server.client().send(HttpRequest.newBuilder(server.uri(path)).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    Thread reader = new Thread(() -> {
      try (Stream<String> lines = response.body()) {
        lines.filter(l -> !l.isBlank()).forEach(l -> {
          try {
            events.add(JSON.readTree(l));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
      } catch (RuntimeException closed) {
        // the server went away at the end of the test
      }
    }, "watch-reader");
    reader.setDaemon(true);
    reader.start();
    return events;
  }
}
