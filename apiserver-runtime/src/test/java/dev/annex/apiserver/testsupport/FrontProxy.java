package dev.annex.apiserver.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the kube-aggregator does in front of an aggregated API server, reduced to the part the
 * runtime sees: it takes a client's request (here over plain HTTP on loopback, since a kubeconfig
 * cannot add headers), drops any identity headers the client sent, and forwards it over TLS with
 * the front-proxy client certificate, the user in {@code X-Remote-User} and the groups in
 * {@code X-Remote-Group}. Responses, watches included, stream back unchanged.
 */
public final class FrontProxy implements AutoCloseable {

  /** Headers the proxy never forwards: hop-by-hop, set by the HTTP client itself, or identity the client cannot claim. */
  private static final Set<String> DROPPED = Set.of("host", "connection", "content-length", "expect", "upgrade",
      "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection", "http2-settings", "authorization");

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpClient upstream;
  private final URI target;
  private volatile String user;
  private volatile List<String> groups;

  public FrontProxy(RunningServer backend, TestPki.Issued frontProxyCertificate, String user, String... groups)
      throws Exception {
    this.upstream = HttpClient.newBuilder().sslContext(TestPki.sslContext(frontProxyCertificate, backend.pki().ca()))
        .connectTimeout(Duration.ofSeconds(5)).build();
    this.target = backend.uri("");
    as(user, groups);
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::forward);
    server.start();
  }

  /** The user (and groups) the next requests are forwarded as. */
  public void as(String user, String... groups) {
    this.user = user;
    this.groups = List.of(groups);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder out = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (DROPPED.contains(name) || name.startsWith("x-remote-") || name.startsWith("impersonate-")) {
          continue;
        }
        h.getValue().forEach(v -> out.header(h.getKey(), v));
      }
      out.header("X-Remote-User", user);
      groups.forEach(g -> out.header("X-Remote-Group", g));
      HttpResponse<InputStream> response;
      try {
        response = upstream.send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.sendResponseHeaders(502, -1);
        return;
      }
      response.headers().map().forEach((name, values) -> {
        if (!name.startsWith(":") && !DROPPED.contains(name.toLowerCase(Locale.ROOT))) {
          values.forEach(v -> exchange.getResponseHeaders().add(name, v));
        }
      });
      long length = response.headers().firstValueAsLong("content-length").orElse(0);
      exchange.sendResponseHeaders(response.statusCode(), length == 0 ? (response.statusCode() == 204 ? -1 : 0) : length);
      try (InputStream in = response.body(); OutputStream os = exchange.getResponseBody()) {
        byte[] buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          os.write(buffer, 0, n);
          os.flush();
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
