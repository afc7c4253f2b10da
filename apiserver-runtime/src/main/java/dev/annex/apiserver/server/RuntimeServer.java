package dev.annex.apiserver.server;

import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.discovery.DiscoveryHandler;
import dev.annex.apiserver.auth.CaBundle;
import dev.annex.apiserver.auth.CaBundleFile;
import dev.annex.apiserver.auth.ClientCertificateAuthenticator;
import dev.annex.apiserver.auth.DelegatedClient;
import dev.annex.apiserver.auth.ReviewClient;
import dev.annex.apiserver.auth.DelegatingAuthorizer;
import dev.annex.apiserver.auth.ExtensionApiserverAuthentication;
import dev.annex.apiserver.auth.RequestHeaderAuthenticator;
import dev.annex.apiserver.auth.RequestHeaderConfig;
import dev.annex.apiserver.auth.SubjectAccessReviewAuthorizer;
import dev.annex.apiserver.auth.TokenReviewAuthenticator;
import dev.annex.apiserver.filters.Authenticator;
import dev.annex.apiserver.filters.Authorizer;
import dev.annex.apiserver.filters.HandlerChain;
import dev.annex.apiserver.filters.MaxInFlightFilter;
import dev.annex.apiserver.handlers.ResourceHandlers;
import dev.annex.apiserver.handlers.ServedResource;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.openapi.OpenApiDocuments;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.registry.StructuralSchemaRules;
import dev.annex.apiserver.schema.StructuralSchema;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.cacher.Cacher;
import dev.annex.apiserver.storage.etcd.Compactor;
import dev.annex.apiserver.storage.etcd.EtcdConfig;
import dev.annex.apiserver.storage.etcd.EtcdStorage;
import dev.annex.apiserver.storage.memory.MemoryStorage;
import dev.annex.apiserver.tables.TableConverter;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One running apiserver: the definition, its storage, the handler chain with its authentication
 * sources, the Netty server and the reloading of certificate files, wired in one place so
 * {@code Main} and the tests start exactly the same thing.
 */
public final class RuntimeServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeServer.class);
  public static final String VERSION = "v0.1.0";
  /** How often the serving pair and the CA files are checked for a change. */
  static final Duration RELOAD_PERIOD = Duration.ofSeconds(1);
  /** kube-apiserver's --etcd-readycheck-timeout default. */
  private static final Duration ETCD_CHECK_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration DRAIN_POLL = Duration.ofMillis(20);

  private final List<AutoCloseable> resources;
  private final ApiServer server;
  private final ShutdownState shutdown;

  private RuntimeServer(List<AutoCloseable> resources, ApiServer server, ShutdownState shutdown) {
    this.resources = resources;
    this.server = server;
    this.shutdown = shutdown;
  }

  public static RuntimeServer start(ServerOptions options) throws IOException, GeneralSecurityException, InterruptedException {
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      return start(options, resources);
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  private static RuntimeServer start(ServerOptions options, List<AutoCloseable> resources)
      throws IOException, GeneralSecurityException, InterruptedException {
    ApiDefinition api = ApiDefinition.read(options.apiDefinition());
    ChainOptions chain = options.chain();
    ScheduledExecutorService reloads = Executors.newSingleThreadScheduledExecutor(daemon("certificate-reload"));
    resources.add(reloads::shutdownNow);
    List<Runnable> reloaders = new ArrayList<>();

    KubernetesClient authentication = null;
    if (!options.alwaysAllow() || chain.authenticationKubeconfig() != null) {
      authentication = DelegatedClient.create(chain.authenticationKubeconfig(), chain.reviewTimeout(), "authentication");
      resources.add(authentication::close);
    }
    ExtensionApiserverAuthentication configMap = null;
    boolean lookup = authentication != null && !chain.skipLookup()
        && (options.clientCaFile() == null || chain.requestHeaderClientCaFile() == null);
    if (lookup) {
      try {
        configMap = ExtensionApiserverAuthentication.start(authentication, chain.reviewTimeout());
        resources.add(configMap);
      } catch (IllegalStateException e) {
        if (!chain.tolerateLookupFailure()) {
          throw e;
        }
        LOG.warn("Error looking up in-cluster authentication configuration: {}; continuing without it, which may treat "
            + "all requests as anonymous", e.getMessage());
      }
    }
    Supplier<CaBundle> clientCa;
    if (options.clientCaFile() != null) {
      CaBundleFile file = new CaBundleFile(options.clientCaFile());
      reloaders.add(file::reload);
      clientCa = file;
    } else if (configMap != null) {
      clientCa = configMap.clientCa();
    } else {
      LOG.warn("no --client-ca-file and no cluster lookup: client certificate authentication won't work");
      clientCa = () -> CaBundle.EMPTY;
    }
    Supplier<Optional<RequestHeaderConfig>> requestHeader;
    if (chain.requestHeaderClientCaFile() != null) {
      CaBundleFile file = new CaBundleFile(chain.requestHeaderClientCaFile());
      reloaders.add(file::reload);
      requestHeader = () -> Optional.of(new RequestHeaderConfig(file.get(), chain.requestHeaderAllowedNames(),
          chain.requestHeaderUsernameHeaders(), chain.requestHeaderGroupHeaders(),
          chain.requestHeaderExtraHeadersPrefix()));
    } else if (configMap != null) {
      requestHeader = configMap.requestHeader();
    } else {
      LOG.warn("no --requestheader-client-ca-file and no cluster lookup: request-header (front-proxy) authentication "
          + "won't work");
      requestHeader = Optional::empty;
    }
    List<Authenticator> authenticators = new ArrayList<>(List.of(
        new RequestHeaderAuthenticator(requestHeader), new ClientCertificateAuthenticator(clientCa)));
    if (authentication != null) {
      ReviewClient tokenReviews = DelegatedClient.reviewClient(chain.authenticationKubeconfig(), chain.reviewTimeout(),
          "authentication");
      resources.add(tokenReviews::close);
      authenticators.add(new TokenReviewAuthenticator(tokenReviews, chain.tokenCacheTtl(), chain.reviewTimeout()));
    }

    Authorizer authorizer;
    if (options.alwaysAllow()) {
      LOG.warn("--authorization-mode=AlwaysAllow: every request is allowed, anonymous ones included; "
          + "for local use without a cluster only");
      authorizer = Authorizer.alwaysAllow();
    } else {
      ReviewClient accessReviews = DelegatedClient.reviewClient(chain.authorizationKubeconfig(), chain.reviewTimeout(),
          "authorization");
      resources.add(accessReviews::close);
      authorizer = new DelegatingAuthorizer(DelegatingAuthorizer.DEFAULT_ALWAYS_ALLOW_GROUPS, chain.alwaysAllowPaths(),
          new SubjectAccessReviewAuthorizer(accessReviews, chain.authorizedTtl(), chain.unauthorizedTtl(),
              chain.reviewTimeout()));
    }

    Supplier<List<X509Certificate>> acceptedIssuers = () -> {
      List<X509Certificate> cas = new ArrayList<>(clientCa.get().certificates());
      cas.addAll(requestHeader.get().map(r -> r.ca().certificates()).orElse(List.of()));
      return cas;
    };
    ServingCertificates tls = ServingCertificates.load(options, acceptedIssuers);
    reloaders.add(tls::reload);

    List<HealthCheck> readyChecks = new ArrayList<>();
    Storage storage = storage(options, api, resources, readyChecks);
    resources.add(storage::close);
    RequestMetrics metrics = new RequestMetrics();
    Map<String, ServedResource> served = new LinkedHashMap<>();
    for (Resource r : api.resources()) {
      ResourceStore store = new ResourceStore(api, r, storage,
          new StructuralSchemaRules(StructuralSchema.of(r.openAPIV3Schema())), Clock.systemUTC());
      TableConverter tables = new TableConverter(r);
      served.put(r.plural(), new ServedResource(store, tables));
      // counted at each scrape (kube-apiserver refreshes its count every minute; a scrape is rarer than that)
      metrics.gauge("apiserver_storage_objects", "Number of stored objects at the time of last check split by kind.",
          "resource=\"" + r.plural() + "." + api.group() + "\"",
          () -> storage.list(store.prefix(""), ListOptions.latest()).items().size());
    }
    ShutdownState shutdown = new ShutdownState(options.shutdownDelay(), chain.requestTimeout());
    Handler router = new ApiRouter(new DiscoveryHandler(api), new OpenApiHandler(new OpenApiDocuments(api)),
        new ResourceHandlers(api, served), metrics, ApiRouter.versionInfo(VERSION), readyChecks,
        List.of(shutdown.readyzCheck()));

    MaxInFlightFilter maxInFlight = new MaxInFlightFilter(chain.maxRequestsInFlight(), chain.maxMutatingRequestsInFlight());
    metrics.gauge("apiserver_current_inflight_requests", "Maximal number of currently used inflight request limit of "
        + "this apiserver per request kind.", "request_kind=\"mutating\"", () -> maxInFlight.inFlight(true));
    metrics.gauge("apiserver_current_inflight_requests", "", "request_kind=\"readOnly\"", () -> maxInFlight.inFlight(false));
    // Not bounded here: the in-flight limits are checked on the event loop before a request gets a
    // worker, and a watch holds one only until it is authorized (a goroutine per request in k8s).
    ExecutorService workers = Executors.newCachedThreadPool(daemon("apiserver-handler"));
    resources.add(workers::shutdownNow);
    Writer audit = auditWriter(chain.auditLogPath());
    if (audit != null) {
      resources.add(audit::close);
    }
    Handler handler = HandlerChain.build(router, new HandlerChain.Config(authenticators, chain.anonymousAuth(), authorizer,
        maxInFlight, chain.requestTimeout(), workers, chain.auditLevel(), audit));

    ApiServer server = ApiServer.start(options.bindAddress(), options.securePort(), tls, handler,
        options.maxRequestBodyBytes(), options.http2MaxStreams(), metrics);
    reloads.scheduleWithFixedDelay(() -> reloaders.forEach(RuntimeServer::quietly), RELOAD_PERIOD.toMillis(),
        RELOAD_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("serving {} ({}) on https://{}:{} (TLS by {})", api.group(),
        String.join(", ", api.servedVersions().stream().map(ApiDefinition.Version::name).toList()),
        options.bindAddress(), server.port(), ServingCertificates.PROVIDER == SslProvider.OPENSSL ? "BoringSSL" : "the JDK");
    return new RuntimeServer(resources, server, shutdown);
  }

  /**
   * The memory storage, or etcd behind a watch cache (plus the compactor and the readiness check
   * that says whether etcd answers). The etcd client and compactor go into {@code resources} before
   * the storage, so they are closed after it.
   */
  private static Storage storage(ServerOptions options, ApiDefinition api, List<AutoCloseable> resources,
                                 List<HealthCheck> readyChecks) throws IOException {
    if (!options.storage().etcd()) {
      return new MemoryStorage(options.watchHistory());
    }
    EtcdConfig etcd = options.storage().etcdConfig(api.group());
    Client client = etcd.connect();
    resources.add(client);
    if (!etcd.compactionInterval().isZero()) {
      resources.add(Compactor.every(client, etcd.compactionInterval(), etcd.requestTimeout()));
    }
    readyChecks.add(new HealthCheck("etcd", () -> EtcdConfig.ping(client, etcd.prefix(), ETCD_CHECK_TIMEOUT)));
    LOG.info("storing {} in etcd at {} under {}", api.group(), String.join(",", etcd.servers()), etcd.prefix());
    return new Cacher(new EtcdStorage(client, etcd.prefix(), etcd.requestTimeout()), options.watchHistory());
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static Writer auditWriter(Path path) throws IOException {
    if (path == null) {
      return null;
    }
    if (path.toString().equals("-")) {
      return new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
    }
    if (path.toAbsolutePath().getParent() != null) {
      Files.createDirectories(path.toAbsolutePath().getParent());
    }
    return Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static void quietly(Runnable reload) {
    try {
      reload.run();
    } catch (RuntimeException e) {
      LOG.warn("reloading failed: {}", e.toString());
    }
  }

  public int port() {
    return server.port();
  }

  /**
   * SIGTERM's path, k8s.io/apiserver's graceful termination: /readyz fails at once while everything
   * is served as before for {@code --shutdown-delay-duration}, time for the endpoints controller and
   * the aggregator (or a load balancer) to stop sending requests here. Then the listener closes,
   * the requests in flight are answered (up to {@code --request-timeout}; watches are not waited
   * for) and the rest is closed.
   */
  public void shutdown() throws InterruptedException {
    shutdown.begin();
    if (!shutdown.delay().isZero()) {
      LOG.info("shutting down: /readyz fails; serving for another {}", shutdown.delay());
      Thread.sleep(shutdown.delay().toMillis());
    }
    server.stopListening();
    long deadline = System.nanoTime() + shutdown.drainTimeout().toNanos();
    while (server.unansweredRequests() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(DRAIN_POLL.toMillis());
    }
    int left = server.unansweredRequests();
    if (left > 0) {
      LOG.warn("stopping with {} requests still in flight after {}", left, shutdown.drainTimeout());
    }
    close();
  }

  /** Stops at once (what {@link #shutdown()} ends with); a second call does nothing. */
  @Override
  public synchronized void close() {
    if (resources.isEmpty()) {
      return;
    }
    server.close();
    closeAll(resources);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        LOG.debug("closing {} failed: {}", resources.get(i), e.toString());
      }
    }
    resources.clear();
  }
}
