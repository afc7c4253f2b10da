package dev.annex.apiserver.testsupport;

import dev.annex.testing.controlplane.ManagedProcess;
import dev.annex.testing.controlplane.RepositoryScripts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
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
 * A real etcd for the tests: the pinned binary ({@code ANNEX_CONTROLPLANE_DIR}, as {@code make test}
 * provides it, else {@code controlplane/build.sh etcd}), on free loopback ports with a data dir of
 * its own, stopped by its pid. {@link #stop()} and {@link #start()} restart it on the same ports and
 * data, as an etcd outage would.
 */
public final class EtcdServer implements AutoCloseable {

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);

  private final Path binary;
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  /** Serving certificate and CA for clients when not null: then etcd speaks TLS and requires client certificates. */
  private final TestPki.Issued serving;
  private final Path clientCa;
  private ManagedProcess process;
  private int starts;

  public EtcdServer(Path dir) {
    this(dir, null, null);
  }

  /** An etcd that serves {@code serving} over TLS and accepts only clients with a certificate from {@code clientCa}. */
  public EtcdServer(Path dir, TestPki.Issued serving, Path clientCa) {
    this.binary = locate();
    this.dir = dir;
    this.clientPort = freePort();
    this.peerPort = freePort();
    this.serving = serving;
    this.clientCa = clientCa;
    start();
  }

  public static Path locate() {
    String configured = System.getProperty("annex.controlplane.dir", System.getenv("ANNEX_CONTROLPLANE_DIR"));
    Path folder = configured != null && !configured.isBlank() ? Path.of(configured)
        : RepositoryScripts.runForPath("controlplane/build.sh", BUILD_TIMEOUT, "etcd");
    Path etcd = folder.resolve("etcd");
    if (!Files.isExecutable(etcd)) {
      throw new IllegalStateException("no executable etcd in " + folder + "; run `controlplane/build.sh etcd`");
    }
    return etcd;
  }

  public String endpoint() {
    return (serving == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  public synchronized void start() {
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--name", "default",
        "--data-dir", dir.resolve("etcd-data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "default=" + peer,
        "--log-level", "warn"));
    if (serving != null) {
      command.addAll(List.of("--cert-file", serving.certFile().toString(), "--key-file", serving.keyFile().toString(),
          "--trusted-ca-file", clientCa.toString(), "--client-cert-auth"));
    }
    process = ManagedProcess.start("etcd", command, dir.resolve("etcd-" + (++starts) + ".log"));
    if (serving != null) {
      // /health needs a client certificate here: a listening port is enough, the client retries
      process.await("etcd listening on " + client, Duration.ofSeconds(30), () -> {
        try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), clientPort)) {
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    process.await("etcd /health on " + client, Duration.ofSeconds(30), () -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create(client + "/health")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
  }

  /** Stops etcd (SIGTERM to its pid); its data stays for {@link #start()}. */
  public synchronized void stop() {
    process.close();
  }

  @Override
  public void close() {
    stop();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
