package dev.annex.shipping.images;

import dev.annex.shipping.Repository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime image runs, not only exists: its layers unpacked into a root folder, its entrypoint
 * started there as its user (unshare: own mount and pid namespaces, /proc mounted, host network) on
 * examples/wardle.yaml at the path the operator's pods mount it, until /readyz answers; then it is
 * stopped by the pid of its java process, which must exit on SIGTERM.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RuntimeImageRunsIT {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final String DEFINITION = "/etc/annex/api/aggregatedapi.yaml";

  private Path work;
  private Process unshare;

  @AfterEach
  void cleanUp() throws IOException, InterruptedException {
    if (unshare != null && unshare.isAlive()) {
      unshare.children().forEach(ProcessHandle::destroyForcibly);
      unshare.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void entrypointServesTheWardleExampleUntilSigterm() throws Exception {
    work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "runtime-image-");
    ImageTarball image = ImageTarball.open(Path.of(System.getProperty("annex.runtime.image.tar")), work);
    Path root = Files.createDirectories(work.resolve("rootfs"));
    image.unpackInto(root);
    Path definition = root.resolve(DEFINITION.substring(1));
    Files.createDirectories(definition.getParent());
    Files.copy(Repository.root().resolve("examples/wardle.yaml"), definition);

    String[] user = image.config().get("config").get("User").asText().split(":");
    int port = freePort();
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
        "--mount-proc", "--root=" + root, "--setuid", user[0], "--setgid", user[1], "--wd=/",
        "/usr/bin/env", "-i"));
    command.addAll(image.strings("Env"));
    command.addAll(image.strings("Entrypoint"));
    command.addAll(List.of("--api-definition", DEFINITION, "--secure-port", String.valueOf(port),
        "--authorization-mode=AlwaysAllow", "--cert-dir", "/tmp/annex-certs"));
    Path log = work.resolve("runtime.log");
    unshare = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();

    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
    String readyz = awaitReady(http, URI.create("https://127.0.0.1:" + port + "/readyz"), log);
    assertThat(readyz).isEqualTo("ok");

    ProcessHandle java = javaProcess().orElseThrow(() -> new AssertionError("no java under unshare"));
    assertThat(java.info().command().orElse("")).endsWith("java");
    assertThat(Files.readAllLines(Path.of("/proc", String.valueOf(java.pid()), "status")))
        .as("the runtime runs as the image's user, not root")
        .anyMatch(l -> l.matches("Uid:\\s+" + user[0] + "\\s+" + user[0] + "\\s.*"));

    HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + port + "/apis/wardle.example.com/v1alpha1")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(discovery.statusCode()).isEqualTo(200);
    assertThat(discovery.body()).contains("\"flunders\"");

    // Stopped by its pid: SIGTERM to java (PID 1 of its namespace), which exits and takes unshare along.
    assertThat(java.destroy()).isTrue();
    assertThat(unshare.waitFor(60, TimeUnit.SECONDS)).as("the runtime exits on SIGTERM").isTrue();
    assertThat(java.isAlive()).isFalse();
  }

  private Optional<ProcessHandle> javaProcess() {
    return unshare.children().findFirst();
  }

  private String awaitReady(HttpClient http, URI uri, Path log) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!unshare.isAlive()) {
        throw new AssertionError("the image's entrypoint exited " + unshare.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return response.body();
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("/readyz did not answer within " + READY_TIMEOUT + ":\n" + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The runtime generated a self-signed certificate; what is checked here is that it serves at all. */
  private static SSLContext trustAll() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return context;
  }
}
