package dev.annex.apiserver.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.apiserver.server.RuntimeServer;
import dev.annex.apiserver.server.ServerOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime started in-process on a free port with the wardle example, a test CA for serving and
 * client certificates, and an HTTP client (HTTP/2 by ALPN) authenticated as {@code admin}.
 */
public final class RunningServer implements AutoCloseable {

  public static final ObjectMapper JSON = new ObjectMapper();
  public static final String WARDLE = "/apis/wardle.example.com/v1alpha1";

  private final RuntimeServer server;
  private final TestPki pki;
  private final TestPki.Issued admin;
  private final HttpClient client;
  private final Path dir;

  public RunningServer(Path dir, String... extraFlags) throws Exception {
    this.dir = dir;
    this.pki = new TestPki(dir);
    TestPki.Issued serving = pki.serving();
    this.admin = pki.client("admin", "system:masters");
    List<String> args = new ArrayList<>(List.of("--secure-port=0", "--bind-address=127.0.0.1",
        "--tls-cert-file=" + serving.certFile(), "--tls-private-key-file=" + serving.keyFile(),
        "--client-ca-file=" + pki.caFile(), "--authorization-mode=AlwaysAllow",
        "--api-definition=" + wardleDefinition()));
    args.addAll(List.of(extraFlags));
    this.server = RuntimeServer.start(ServerOptions.parse(args.toArray(String[]::new)));
    this.client = HttpClient.newBuilder().sslContext(pki.sslContext(admin)).version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  public static Path wardleDefinition() {
    Path p = Path.of(System.getProperty("annex.examples", "../examples"), "wardle.yaml");
    if (!Files.exists(p)) {
      throw new IllegalStateException("the wardle example is missing at " + p.toAbsolutePath());
    }
    return p;
  }

  /** Writes a kubeconfig for kubectl as {@code admin} against this server, in {@code namespace}. */
  public Path writeKubeconfig(Path file, String namespace) throws java.io.IOException {
    return Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: annex
          cluster:
            server: https://127.0.0.1:%d
            certificate-authority: %s
        users:
        - name: admin
          user:
            client-certificate: %s
            client-key: %s
        contexts:
        - name: annex
          context: {cluster: annex, user: admin, namespace: %s}
        current-context: annex
        """.formatted(port(), pki.caFile(), admin.certFile(), admin.keyFile(), namespace));
  }

  public int port() {
    return server.port();
  }

  public URI uri(String path) {
    return URI.create("https://127.0.0.1:" + port() + path);
  }

  public TestPki pki() {
    return pki;
  }

  public TestPki.Issued admin() {
    return admin;
  }

  public Path dir() {
    return dir;
  }

  public HttpClient client() {
    return client;
  }

  public HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    return send(client, method, path, body, headers);
  }

  /**
   * A client (HTTP/2 by ALPN) trusting this server and presenting {@code certificate}, whoever issued
   * it ({@code null}: no certificate).
   */
  public HttpClient clientWith(TestPki.Issued certificate) throws Exception {
    return HttpClient.newBuilder().sslContext(TestPki.sslContext(certificate, pki.ca()))
        .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** One request with {@code client}; {@code headers} are name, value pairs (a name may repeat). */
  public HttpResponse<String> send(HttpClient client, String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (body != null && !typed) {
      b.header("Content-Type", "application/json");
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    return send("GET", path, null, headers);
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return send("POST", path, body, headers);
  }

  public HttpResponse<String> put(String path, String body, String... headers) throws Exception {
    return send("PUT", path, body, headers);
  }

  public HttpResponse<String> delete(String path) throws Exception {
    return send("DELETE", path, null);
  }

  public static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  public static String flunder(String name, String reference) {
    return "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"kind\":\"Flunder\",\"metadata\":{\"name\":\"" + name
        + "\",\"labels\":{\"app\":\"" + name + "\"}},\"spec\":{\"reference\":\"" + reference + "\"}}";
  }

  /** What SIGTERM does to the runtime's process; returns when the server has stopped. */
  public void shutdown() throws InterruptedException {
    server.shutdown();
  }

  @Override
  public void close() {
    server.close();
  }
}
