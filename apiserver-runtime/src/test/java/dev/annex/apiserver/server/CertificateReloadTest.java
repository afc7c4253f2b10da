package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The serving certificate is renewed in place (the mounted Secret's files rewritten, certificate
 * first, key after: a moment where they do not match) while clients run requests without pause,
 * each on a new TLS connection so each handshake sees whichever pair is served: every request
 * succeeds, and new connections get the new certificate within seconds, twice in a row.
 */
class CertificateReloadTest {

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

  /** One HTTP/1.1 request on a new TLS connection; the serial number of the certificate the server presented. */
  static BigInteger probe(SSLContext tls, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      if (!response.startsWith("HTTP/1.1 200 OK") || !response.endsWith("ok")) {
        throw new IllegalStateException("unexpected response: " + response);
      }
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void renewingTheServingCertificateWhileClientsRunFailsNoRequest() throws Exception {
    SSLContext tls = server.pki().sslContext(server.admin());
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger succeeded = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicReference<BigInteger> lastSeen = new AtomicReference<>();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            lastSeen.set(probe(tls, server.port()));
            succeeded.incrementAndGet();
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }, "reload-client-" + i);
      t.start();
      clients.add(t);
    }
    long start = System.nanoTime();
    int renewals = 2;
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> succeeded.get() >= 50);
      for (int i = 0; i < renewals; i++) {
        TestPki.Issued renewed = server.pki().serving(); // rewrites serving.crt, then serving.key
        BigInteger serial = renewed.certificate().getSerialNumber();
        await().atMost(Duration.ofSeconds(15)).until(() -> serial.equals(lastSeen.get()));
        int at = succeeded.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> succeeded.get() >= at + 50);
      }
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(15_000);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("certificate reload: %d requests on new connections in %.1f s across %d renewals, %d failed%n",
        succeeded.get(), seconds, renewals, failures.size());
    assertThat(failures).as("requests failed while the certificate was renewed").isEmpty();
    assertThat(succeeded.get()).isGreaterThanOrEqualTo(150);
  }
}
