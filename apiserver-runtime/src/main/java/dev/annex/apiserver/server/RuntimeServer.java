package dev.annex.apiserver.server;

import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.discovery.DiscoveryHandler;
import dev.annex.apiserver.filters.Authorizer;
import dev.annex.apiserver.filters.ClientCertificateAuthenticator;
import dev.annex.apiserver.filters.HandlerChain;
import dev.annex.apiserver.handlers.ResourceHandlers;
import dev.annex.apiserver.handlers.ServedResource;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.openapi.OpenApiDocuments;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.registry.StructuralSchemaRules;
import dev.annex.apiserver.schema.StructuralSchema;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.cacher.Cacher;
import dev.annex.apiserver.storage.etcd.Compactor;
import dev.annex.apiserver.storage.etcd.EtcdConfig;
import dev.annex.apiserver.storage.etcd.EtcdStorage;
import dev.annex.apiserver.storage.memory.MemoryStorage;
import dev.annex.apiserver.tables.TableConverter;
import io.etcd.jetcd.Client;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One running apiserver: the definition, its storage, the handler chain and the Netty server, wired
 * in one place so {@code Main} and the tests start exactly the same thing.
 */
public final class RuntimeServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeServer.class);
  public static final String VERSION = "v0.1.0";
  /**
   * Requests that wait on etcd at once (each for at most the etcd request timeout); the memory
   * storage never blocks, so its requests stay on the event loops.
   */
  private static final int BLOCKING_HANDLER_THREADS = 64;
  /** kube-apiserver's --etcd-readycheck-timeout default. */
  private static final Duration ETCD_CHECK_TIMEOUT = Duration.ofSeconds(2);

  private final Storage storage;
  private final ApiServer server;
  /** What the storage holds open besides itself: the etcd client and compactor (closed after it). */
  private final List<AutoCloseable> backing;

  private RuntimeServer(Storage storage, ApiServer server, List<AutoCloseable> backing) {
    this.storage = storage;
    this.server = server;
    this.backing = backing;
  }

  public static RuntimeServer start(ServerOptions options) throws IOException, GeneralSecurityException, InterruptedException {
    ApiDefinition api = ApiDefinition.read(options.apiDefinition());
    ServingCertificates tls = ServingCertificates.load(options);
    List<AutoCloseable> backing = new ArrayList<>();
    List<HealthCheck> readyChecks = new ArrayList<>();
    Storage storage = storage(options, api, backing, readyChecks);
    RequestMetrics metrics = new RequestMetrics();
    Map<String, ServedResource> resources = new LinkedHashMap<>();
    for (Resource r : api.resources()) {
      ResourceStore store = new ResourceStore(api, r, storage,
          new StructuralSchemaRules(StructuralSchema.of(r.openAPIV3Schema())), Clock.systemUTC());
      TableConverter tables = new TableConverter(r);
      resources.put(r.plural(), new ServedResource(store, tables::convert));
    }
    Handler router = new ApiRouter(new DiscoveryHandler(api), new OpenApiHandler(new OpenApiDocuments(api)),
        new ResourceHandlers(api, resources), metrics, ApiRouter.versionInfo(VERSION), readyChecks);
    Authorizer authorizer;
    if (options.alwaysAllow()) {
      LOG.warn("--authorization-mode=AlwaysAllow: every request is allowed, anonymous ones included; "
          + "for local use without a cluster only");
      authorizer = Authorizer.alwaysAllow();
    } else {
      LOG.warn("no --authorization-mode: resource requests are refused (403) until delegated authorization lands");
      authorizer = Authorizer.nonResourceOnly();
    }
    Handler chain = HandlerChain.build(router, new ClientCertificateAuthenticator(), authorizer);
    ApiServer server = ApiServer.start(options.bindAddress(), options.securePort(), tls, chain,
        options.maxRequestBodyBytes(), options.http2MaxStreams(), metrics,
        options.storage().etcd() ? BLOCKING_HANDLER_THREADS : 0);
    LOG.info("serving {} ({}) on https://{}:{}", api.group(),
        String.join(", ", api.servedVersions().stream().map(ApiDefinition.Version::name).toList()),
        options.bindAddress(), server.port());
    return new RuntimeServer(storage, server, backing);
  }

  /**
   * The memory storage, or etcd behind a watch cache (plus the compactor and the readiness check
   * that says whether etcd answers).
   */
  private static Storage storage(ServerOptions options, ApiDefinition api, List<AutoCloseable> backing,
                                 List<HealthCheck> readyChecks) throws IOException {
    if (!options.storage().etcd()) {
      return new MemoryStorage(options.watchHistory());
    }
    EtcdConfig etcd = options.storage().etcdConfig(api.group());
    Client client = etcd.connect();
    if (!etcd.compactionInterval().isZero()) {
      backing.add(Compactor.every(client, etcd.compactionInterval(), etcd.requestTimeout()));
    }
    backing.add(client); // last: the compactor and the storage use it until they are closed
    readyChecks.add(new HealthCheck("etcd", () -> EtcdConfig.ping(client, etcd.prefix(), ETCD_CHECK_TIMEOUT)));
    LOG.info("storing {} in etcd at {} under {}", api.group(), String.join(",", etcd.servers()), etcd.prefix());
    return new Cacher(new EtcdStorage(client, etcd.prefix(), etcd.requestTimeout()), options.watchHistory());
  }

  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
    storage.close();
    for (AutoCloseable c : backing) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
