package dev.annex.local;

import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.dependents.ApiDefinitionDocument;
import dev.annex.testing.controlplane.ManagedProcess;
import dev.annex.testing.waiting.Waits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The runtime of one {@code AggregatedApi} with an {@code external: {host: localhost, port}} backend,
 * run as a local process exactly as a user runs an apiserver outside the cluster: from the serving
 * Secret and definition ConfigMap the operator wrote, written to files the way the kubelet mounts
 * them (and rewritten when the Secret changes, as the kubelet does), on the port the external
 * backend names.
 */
public final class LocalRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
  public static final Duration OBJECTS_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final ResourceNames names;
  private final int port;
  private final Path dir;
  private final Path jar;
  private final Supplier<List<String>> extraArgs;
  private Watch secretWatch;
  private ManagedProcess process;

  private LocalRuntime(KubernetesClient client, ResourceNames names, int port, Path dir, Path jar,
      Supplier<List<String>> extraArgs) {
    this.client = client;
    this.names = names;
    this.port = port;
    this.dir = dir;
    this.jar = jar;
    this.extraArgs = extraArgs;
  }

  /**
   * Waits for the operator's Secret and ConfigMap of {@code api}, writes them under {@code dir},
   * starts the runtime on {@code api}'s external port and waits for {@code /readyz}.
   * {@code extraArgs} are asked for at every start (the authentication flags, for example).
   */
  public static LocalRuntime start(KubernetesClient client, AggregatedApi api, Path dir, Path jar,
      Supplier<List<String>> extraArgs) {
    if (api.getSpec().external == null || !api.getSpec().external.isLoopback()) {
      throw new IllegalArgumentException("a local runtime needs spec.external.host localhost, not " + api.getSpec().external);
    }
    LocalRuntime runtime = new LocalRuntime(client, ResourceNames.of(api), api.getSpec().external.effectivePort(),
        dir, jar, extraArgs);
    runtime.writeDefinition();
    runtime.writeCertificate(runtime.awaitServingSecret());
    runtime.watchServingSecret();
    runtime.start();
    return runtime;
  }

  /** The default location of the runtime's jar in a built checkout. */
  public static Path defaultJar(Path repositoryRoot) {
    return repositoryRoot.resolve("apiserver-runtime/target/annex-apiserver.jar");
  }

  public int port() {
    return port;
  }

  public Path directory() {
    return dir;
  }

  public ManagedProcess process() {
    return process;
  }

  /** Starts the process (again, after {@link #stop()}) and waits until it is ready. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no runtime jar at " + jar + "; run `make build`");
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", jar.toString(),
        "--api-definition", dir.resolve(ApiDefinitionDocument.KEY).toString(),
        "--bind-address", "127.0.0.1",
        "--secure-port", String.valueOf(port),
        "--tls-cert-file", dir.resolve("tls.crt").toString(),
        "--tls-private-key-file", dir.resolve("tls.key").toString()));
    command.addAll(extraArgs.get());
    process = ManagedProcess.start(names.apiserver(), command, dir.resolve("runtime.log"));
    process.await("the runtime's /readyz on port " + port, READY_TIMEOUT, this::ready);
  }

  /** Stops the process by its pid; the API becomes unreachable until {@link #start()}. */
  public synchronized void stop() {
    if (process != null) {
      process.close();
    }
  }

  @Override
  public void close() {
    if (secretWatch != null) {
      secretWatch.close();
    }
    stop();
  }

  private boolean ready() {
    try {
      HttpClient http = HttpClient.newBuilder().sslContext(trusting(read("ca.crt")))
          .connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void writeDefinition() {
    ConfigMap definition = awaitObject("ConfigMap " + names.namespace() + "/" + names.definitionConfigMap(),
        () -> client.configMaps().inNamespace(names.namespace()).withName(names.definitionConfigMap()).get());
    write(ApiDefinitionDocument.KEY, definition.getData().get(ApiDefinitionDocument.KEY));
  }

  private Secret awaitServingSecret() {
    return awaitObject("Secret " + names.namespace() + "/" + names.servingSecret() + " with tls.crt and tls.key",
        () -> {
          Secret s = client.secrets().inNamespace(names.namespace()).withName(names.servingSecret()).get();
          return s != null && s.getData() != null && s.getData().containsKey("tls.crt")
              && s.getData().containsKey("tls.key") ? s : null;
        });
  }

  /** As the kubelet updates a mounted Secret: each key replaced atomically by a rename. */
  private void writeCertificate(Secret secret) {
    Map<String, String> data = secret.getData();
    for (String key : List.of("ca.crt", "tls.key", "tls.crt")) {
      if (data.containsKey(key)) {
        write(key, new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8));
      }
    }
  }

  private void watchServingSecret() {
    secretWatch = client.secrets().inNamespace(names.namespace()).withName(names.servingSecret())
        .watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, Secret secret) {
            if ((action == Action.ADDED || action == Action.MODIFIED) && secret.getData() != null
                && secret.getData().containsKey("tls.crt")) {
              writeCertificate(secret);
              log.info("certificate files updated object={}/{} dir={}", names.namespace(), names.servingSecret(), dir);
            }
          }

          @Override
          public void onClose(WatcherException cause) {
            log.warn("serving Secret watch closed object={}/{} error=\"{}\"", names.namespace(), names.servingSecret(),
                cause.getMessage());
          }
        });
  }

  private <T> T awaitObject(String what, Supplier<T> lookup) {
    return Waits.until("the operator's " + what, OBJECTS_TIMEOUT, lookup);
  }

  private void write(String key, String content) {
    try {
      Files.createDirectories(dir);
      Path temporary = Files.createTempFile(dir, "." + key, ".tmp");
      Files.writeString(temporary, content);
      Files.move(temporary, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + key + " into " + dir, e);
    }
  }

  private String read(String key) throws IOException {
    return Files.readString(dir.resolve(key));
  }

  static SSLContext trusting(String caPem) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (var certificate : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8)))) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot trust the CA bundle: " + e.getMessage(), e);
    }
  }
}
