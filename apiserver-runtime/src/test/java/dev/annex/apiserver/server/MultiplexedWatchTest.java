package dev.annex.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.annex.apiserver.testsupport.RunningServer.JSON;
import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many watches on one HTTP/2 connection, as kube-aggregator proxies its clients' watches: every
 * change reaches every stream at once through the connection's shared write queue, and each stream
 * still reads all its events in order, then its end (the server's timeout) after the last of them.
 */
class MultiplexedWatchTest {

  private static final int WATCHES = 200;
  private static final int CHANGES = 30;

  @TempDir
  Path dir;

  @Test
  void everyWatchOnOneConnectionReadsEveryChangeInOrderAndThenItsEnd() throws Exception {
    try (RunningServer server = new RunningServer(dir)) {
      String flunders = WARDLE + "/namespaces/default/flunders";
      HttpResponse<String> created = server.post(flunders, flunder("watched", "r0"));
      assertThat(created.statusCode()).isEqualTo(201);
      // from the created version: a watch the server registers after some of the changes replays those first
      String from = RunningServer.json(created).path("metadata").path("resourceVersion").asText();
      // one client: HTTP/2 carries all its requests, the watches and the patches, on one connection
      HttpClient client = server.client();
      HttpRequest watch = HttpRequest.newBuilder(server.uri(flunders + "?watch=true&timeoutSeconds=6&resourceVersion=" + from)).build();
      List<CompletableFuture<HttpResponse<String>>> watches = IntStream.range(0, WATCHES)
          .mapToObj(i -> client.sendAsync(watch, HttpResponse.BodyHandlers.ofString())).toList();

      // the server sends each change as soon as it is made, while the streams of earlier ones are still being written
      for (int i = 1; i <= CHANGES; i++) {
        assertThat(server.send("PATCH", flunders + "/watched", "{\"spec\":{\"reference\":\"r" + i + "\"}}",
            "Content-Type", "application/merge-patch+json").statusCode()).isEqualTo(200);
      }

      List<String> expected = IntStream.rangeClosed(1, CHANGES).mapToObj(i -> "MODIFIED r" + i).toList();
      for (CompletableFuture<HttpResponse<String>> w : watches) {
        HttpResponse<String> response = w.get(30, TimeUnit.SECONDS); // complete: the stream ended
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(events(response.body())).isEqualTo(expected);
      }
    }
  }

  /** Each line's type and spec.reference, and that resourceVersions only grow. */
  private static List<String> events(String body) {
    List<String> out = new ArrayList<>();
    long last = 0;
    for (String line : body.lines().collect(Collectors.toList())) {
      JsonNode event = read(line);
      long rv = Long.parseLong(event.path("object").path("metadata").path("resourceVersion").asText());
      assertThat(rv).isGreaterThan(last);
      last = rv;
      out.add(event.path("type").asText() + " " + event.path("object").path("spec").path("reference").asText());
    }
    return out;
  }

  private static JsonNode read(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not one JSON event per line: " + line, e);
    }
  }
}
