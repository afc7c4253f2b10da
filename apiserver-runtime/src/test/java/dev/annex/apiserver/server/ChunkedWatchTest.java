package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A watch over HTTP/1.1 (what wrk-style clients and Go's HTTP/1.1 transport read), byte for byte:
 * each event one chunk of one JSON line, the same bytes for every watcher, and the stream's end
 * the zero-length chunk when timeoutSeconds runs out.
 */
class ChunkedWatchTest {

  @TempDir
  Path dir;

  @Test
  void everyWatcherReadsEachEventAsOneChunkAndTheStreamEndsWithTheLastChunk() throws Exception {
    try (RunningServer server = new RunningServer(dir)) {
      String flunders = WARDLE + "/namespaces/default/flunders";
      assertThat(server.post(flunders, flunder("before", "x")).statusCode()).isEqualTo(201);

      CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> watch(server, flunders));
      CompletableFuture<byte[]> second = CompletableFuture.supplyAsync(() -> watch(server, flunders));
      // the watches are open once they answered with the existing object; the server's clock ends them
      Thread.sleep(1_000);
      assertThat(server.post(flunders, flunder("during", "x")).statusCode()).isEqualTo(201);

      List<String> a = chunks(first.get(20, TimeUnit.SECONDS));
      List<String> b = chunks(second.get(20, TimeUnit.SECONDS));
      assertThat(a).hasSize(2).isEqualTo(b);
      assertThat(a.get(0)).startsWith("{\"type\":\"ADDED\"").contains("\"name\":\"before\"").endsWith("}\n");
      assertThat(a.get(1)).startsWith("{\"type\":\"ADDED\"").contains("\"name\":\"during\"").endsWith("}\n");
    }
  }

  /** The raw response of a watch ended by the server after 3 s, on a connection the server closes after it. */
  private static byte[] watch(RunningServer server, String path) {
    try (SSLSocket socket = (SSLSocket) TestPki.sslContext(server.admin(), server.pki().ca()).getSocketFactory()
        .createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(("GET " + path + "?watch=true&timeoutSeconds=3 HTTP/1.1\r\nHost: localhost\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return socket.getInputStream().readAllBytes();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The chunks of a chunked HTTP/1.1 response, checked as a client parses them, up to the last (empty) one. */
  private static List<String> chunks(byte[] response) throws IOException {
    String text = new String(response, StandardCharsets.UTF_8);
    int body = text.indexOf("\r\n\r\n");
    assertThat(text.substring(0, body)).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked");
    InputStream in = new java.io.ByteArrayInputStream(response, body + 4, response.length - body - 4);
    List<String> chunks = new ArrayList<>();
    while (true) {
      int size = Integer.parseInt(line(in), 16);
      byte[] data = in.readNBytes(size);
      assertThat(data).hasSize(size);
      assertThat(line(in)).as("CRLF after a chunk's data").isEmpty();
      if (size == 0) {
        assertThat(in.read()).as("nothing after the last chunk").isEqualTo(-1);
        return chunks;
      }
      chunks.add(new String(data, StandardCharsets.UTF_8));
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\r'; c = in.read()) {
      assertThat(c).as("a chunk line ends with CRLF").isNotEqualTo(-1);
      out.write(c);
    }
    assertThat(in.read()).isEqualTo('\n');
    return out.toString(StandardCharsets.US_ASCII);
  }
}
