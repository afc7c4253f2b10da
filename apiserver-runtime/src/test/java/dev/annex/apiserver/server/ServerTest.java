package dev.annex.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server around the API: protocols, health, version, metrics, unknown paths, flags, who a request is. */
class ServerTest {

  @TempDir
  static Path dir;
  static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void http2IsNegotiatedByAlpnAndAdvertisesAtLeast1000ConcurrentStreams() throws Exception {
    HttpResponse<String> r = server.get("/healthz");
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(server.pki().ca())
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
        .build();
    CompletableFuture<Long> maxStreams = new CompletableFuture<>();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel c) {
          c.pipeline().addLast(ctx.newHandler(c.alloc(), "localhost", server.port()),
              Http2FrameCodecBuilder.forClient().build(), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                  if (msg instanceof Http2SettingsFrame settings) {
                    maxStreams.complete(settings.settings().maxConcurrentStreams());
                  }
                }
              });
        }
      }).connect("127.0.0.1", server.port()).sync().channel();
      assertThat(maxStreams.get(10, TimeUnit.SECONDS)).as("SETTINGS_MAX_CONCURRENT_STREAMS").isGreaterThanOrEqualTo(1000L);
      ch.close();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void http11WorksToo() throws Exception {
    HttpClient h1 = HttpClient.newBuilder().sslContext(server.pki().sslContext(server.admin()))
        .version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = h1.send(HttpRequest.newBuilder(server.uri("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("ok");
  }

  @Test
  void healthEndpointsAnswerOkAndVerboseListsTheChecks() throws Exception {
    for (String p : new String[] {"/healthz", "/livez", "/readyz"}) {
      assertThat(server.get(p).body()).isEqualTo("ok");
    }
    assertThat(server.get("/readyz?verbose").body()).isEqualTo("[+]ping ok\n[+]log ok\n[+]shutdown ok\nreadyz check passed\n");
    assertThat(server.get("/healthz?verbose").body()).isEqualTo("[+]ping ok\n[+]log ok\nhealthz check passed\n");
  }

  @Test
  void versionAndMetricsAreServed() throws Exception {
    JsonNode version = json(server.get("/version"));
    assertThat(version.path("gitVersion").asText()).startsWith("v");
    server.get("/apis");
    assertThat(server.get("/metrics").body()).contains("apiserver_request_total{verb=\"GET\",code=\"200\"}");
  }

  @Test
  void metricsCountRequestsByResourceWithLatenciesInFlightWatchesAndStoredObjects() throws Exception {
    String flunders = WARDLE + "/namespaces/metrics/flunders";
    assertThat(server.post(flunders, RunningServer.flunder("counted", "x")).statusCode()).isEqualTo(201);
    assertThat(server.get(flunders).statusCode()).isEqualTo(200);
    HttpResponse<java.io.InputStream> watch = server.client().send(HttpRequest.newBuilder(server.uri(flunders + "?watch=true"))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    try {
      String metrics = server.get("/metrics").body();
      assertThat(metrics).contains("apiserver_request_total{verb=\"LIST\",group=\"wardle.example.com\",resource=\"flunders\",code=\"200\"} ");
      assertThat(metrics).contains("apiserver_request_total{verb=\"CREATE\",group=\"wardle.example.com\",resource=\"flunders\",code=\"201\"} 1");
      assertThat(metrics).containsPattern("apiserver_request_duration_seconds_bucket\\{verb=\"LIST\",group=\"wardle.example.com\","
          + "resource=\"flunders\",le=\"60\"} [1-9]");
      assertThat(metrics).containsPattern("apiserver_request_duration_seconds_count\\{verb=\"LIST\",group=\"wardle.example.com\","
          + "resource=\"flunders\"} [1-9]");
      assertThat(metrics).contains("apiserver_longrunning_requests{group=\"wardle.example.com\",resource=\"flunders\",verb=\"WATCH\"} 1");
      assertThat(metrics).contains("apiserver_current_inflight_requests{request_kind=\"readOnly\"} ");
      assertThat(metrics).contains("apiserver_current_inflight_requests{request_kind=\"mutating\"} 0");
      assertThat(metrics).containsPattern("apiserver_storage_objects\\{resource=\"flunders.wardle.example.com\"} [1-9]");
      assertThat(metrics).contains("apiserver_storage_objects{resource=\"fischers.wardle.example.com\"} 0");
    } finally {
      watch.body().close();
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> server.get("/metrics").body()
        .contains("apiserver_longrunning_requests{group=\"wardle.example.com\",resource=\"flunders\",verb=\"WATCH\"} 0"));
  }

  @Test
  void unknownPathsAre404AndWrongVerbs405() throws Exception {
    HttpResponse<String> missing = server.get("/nothing/here");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).path("reason").asText()).isEqualTo("NotFound");
    assertThat(server.get("/apis/other.example.com/v1/things").statusCode()).isEqualTo(404);
    assertThat(server.get(WARDLE + "/unknowns").statusCode()).isEqualTo(404);
    assertThat(server.get(WARDLE + "/namespaces/x/flunders/a/scale").statusCode()).isEqualTo(404);
    HttpResponse<String> postToNamed = server.post(WARDLE + "/namespaces/x/flunders/a", RunningServer.flunder("a", "b"));
    assertThat(postToNamed.statusCode()).isEqualTo(405);
    assertThat(json(postToNamed).path("reason").asText()).isEqualTo("MethodNotAllowed");
    assertThat(server.put(WARDLE + "/namespaces/x/flunders", "{}").statusCode()).isEqualTo(405);
  }

  @Test
  void delegatedAuthorizationWithoutAClusterRefusesToStartInUpstreamsWords() {
    assertThatThrownBy(() -> new RunningServer(Files.createDirectories(dir.resolve("no-cluster")), "--authorization-mode="))
        .hasMessageStartingWith("failed to get delegated authentication kubeconfig: unable to load in-cluster configuration");
  }

  @Test
  void theClientCertificatesUserOverHttp11TooAndNoCertificateIsAnonymous() throws Exception {
    try (DelegatedServer delegated = new DelegatedServer(dir.resolve("delegated"))) {
      RunningServer strict = delegated.server();
      delegated.kube().answerAccessReviews(spec -> FakeKubeApiserver.Answer.status(FakeKubeApiserver.allowed(false, "")));
      assertThat(strict.get("/healthz").statusCode()).isEqualTo(200);
      TestPki.Issued carol = strict.pki().client("carol");
      HttpClient h1 = HttpClient.newBuilder().sslContext(strict.pki().sslContext(carol))
          .version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> overH1 = h1.send(HttpRequest.newBuilder(strict.uri(WARDLE + "/namespaces/x/flunders")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(overH1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(overH1.statusCode()).isEqualTo(403);
      assertThat(json(overH1).path("message").asText()).as("the client certificate's user over HTTP/1.1 too")
          .startsWith("flunders.wardle.example.com is forbidden: User \"carol\" cannot list");
      HttpClient anonymous = HttpClient.newBuilder().sslContext(strict.pki().sslContext(null)).build();
      HttpResponse<String> anon = anonymous.send(HttpRequest.newBuilder(strict.uri(WARDLE + "/namespaces/x/flunders")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(json(anon).path("message").asText()).contains("User \"system:anonymous\"");
    }
  }

  @Test
  void flagsAreCheckedAndHelpListsThemAll() {
    assertThatThrownBy(() -> ServerOptions.parse("--secure-port=1")).hasMessageContaining("--api-definition is required");
    assertThatThrownBy(() -> ServerOptions.parse("--nope=1")).hasMessage("unknown flag: --nope");
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--authorization-mode=RBAC"))
        .hasMessageContaining("unsupported mode");
    assertThat(ServerOptions.parse("--help").help()).isTrue();
    for (String flag : new String[] {"--secure-port", "--bind-address", "--tls-cert-file", "--tls-private-key-file",
        "--cert-dir", "--client-ca-file", "--authorization-mode", "--api-definition", "--authentication-kubeconfig",
        "--authorization-kubeconfig", "--anonymous-auth", "--requestheader-client-ca-file", "--requestheader-allowed-names",
        "--authorization-always-allow-paths", "--max-requests-inflight", "--max-mutating-requests-inflight",
        "--request-timeout", "--audit-log-path", "--shutdown-delay-duration"}) {
      assertThat(ServerOptions.usage()).contains(flag);
    }
    ServerOptions defaults = ServerOptions.parse("--api-definition", "x.yaml");
    assertThat(defaults.securePort()).isEqualTo(8443);
    assertThat(defaults.maxRequestBodyBytes()).isEqualTo(3 * 1024 * 1024);
    assertThat(defaults.shutdownDelay()).as("k8s.io/apiserver's default").isZero();
    assertThat(ServerOptions.parse("--api-definition=x", "--shutdown-delay-duration=5s").shutdownDelay())
        .isEqualTo(Duration.ofSeconds(5));
    ChainOptions chain = defaults.chain();
    assertThat(chain.anonymousAuth()).isTrue();
    assertThat(chain.tokenCacheTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(chain.authorizedTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(chain.unauthorizedTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(chain.reviewTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(chain.alwaysAllowPaths()).containsExactly("/healthz", "/readyz", "/livez");
    assertThat(chain.maxRequestsInFlight()).isEqualTo(400);
    assertThat(chain.maxMutatingRequestsInFlight()).isEqualTo(200);
    assertThat(chain.requestTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(chain.requestHeaderUsernameHeaders()).containsExactly("X-Remote-User");
    ChainOptions set = ServerOptions.parse("--api-definition=x.yaml", "--anonymous-auth=false", "--request-timeout", "1m30s",
        "--requestheader-allowed-names=front-proxy-client,aggregator", "--authentication-skip-lookup").chain();
    assertThat(set.anonymousAuth()).isFalse();
    assertThat(set.skipLookup()).as("a bool flag alone is true").isTrue();
    assertThat(set.requestTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(set.requestHeaderAllowedNames()).containsExactly("front-proxy-client", "aggregator");
    assertThatThrownBy(() -> ServerOptions.parse("--api-definition=x", "--request-timeout=soon"))
        .hasMessageContaining("invalid argument \"soon\" for \"--request-timeout\" flag");
  }
}
