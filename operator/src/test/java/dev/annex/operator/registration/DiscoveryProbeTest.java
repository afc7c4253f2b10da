package dev.annex.operator.registration;

import dev.annex.operator.certificates.CertificateAuthority;
import dev.annex.operator.certificates.Pem;
import dev.annex.operator.certificates.ServingCertificate;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveryProbeTest {
  private static final String SERVICE = "w-apiserver.ns.svc";
  private static final List<String> PATHS = List.of("/apis/g.example.com/v1alpha1", "/apis/g.example.com/v1");
  private static final Instant NOW = Instant.now();

  private final CertificateAuthority ca = CertificateAuthority.create("test-ca", NOW);
  private final ServingCertificate leaf = ca.issueServing(List.of("w-apiserver", SERVICE), List.of(), Duration.ofHours(1), NOW);
  private DiscoveryServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = DiscoveryServer.start(0, leaf.certificate(), leaf.key(), ca.certificate());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private DiscoveryProbe.Target target(String serviceName, CertificateAuthority trusted) {
    return new DiscoveryProbe.Target("127.0.0.1", server.port(), serviceName, Pem.encode(trusted.certificate()), PATHS);
  }

  @Test
  void aBackendThatAnswersDiscoveryWithTheRightCertificatePasses() {
    DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(target(SERVICE, ca));
    assertThat(verdict.status()).isEqualTo("True");
    assertThat(verdict.reason()).isEqualTo("Passed");
  }

  @Test
  void aCertificateFromAnotherCaFails() {
    DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(target(SERVICE, CertificateAuthority.create("other-ca", NOW)));
    assertThat(verdict.status()).isEqualTo("False");
    assertThat(verdict.reason()).isEqualTo("FailedDiscoveryCheck");
    assertThat(verdict.message()).startsWith("failing or missing response from https://" + SERVICE + ":" + server.port()
        + "/apis/g.example.com/v1alpha1").contains("certification path");
  }

  @Test
  void aCertificateWithoutTheServiceNameFails() {
    DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(target("other-apiserver.ns.svc", ca));
    assertThat(verdict.status()).isEqualTo("False");
    assertThat(verdict.message()).contains("other-apiserver.ns.svc");
  }

  @Test
  void onlyA2xxPasses() {
    server.respondWith(503);
    DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(target(SERVICE, ca));
    assertThat(verdict.status()).isEqualTo("False");
    assertThat(verdict.message()).isEqualTo("bad status from https://" + SERVICE + ":" + server.port()
        + "/apis/g.example.com/v1alpha1: 503");
  }

  @Test
  void aStoppedBackendFails() {
    DiscoveryProbe.Target target = target(SERVICE, ca);
    server.close();
    DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(target);
    assertThat(verdict.status()).isEqualTo("False");
    assertThat(verdict.message()).containsIgnoringCase("connection refused");
  }

  @Test
  void aBackendThatNeverAnswersFailsAfterTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          accepted.add(silent.accept());
        } catch (Exception ignored) {
          // closed at the end of the test
        }
      });
      acceptor.start();
      long start = System.nanoTime();
      DiscoveryProbe.Verdict verdict = DiscoveryProbe.probe(new DiscoveryProbe.Target("127.0.0.1", silent.getLocalPort(),
          SERVICE, Pem.encode(ca.certificate()), PATHS));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(verdict.status()).isEqualTo("False");
      assertThat(verdict.message()).containsIgnoringCase("timed out");
      assertThat(millis).isBetween(4_500L, 7_000L);
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void verdictsAreKeptAndAChangeIsAnnounced() {
    List<ResourceID> changed = new CopyOnWriteArrayList<>();
    ResourceID owner = new ResourceID("w", "ns");
    try (DiscoveryProbe probe = new DiscoveryProbe(Clock.systemUTC(), Duration.ofMillis(200), 1)) {
      probe.onChange(changed::add);
      DiscoveryProbe.Target target = target(SERVICE, ca);
      assertThat(probe.verdict(owner, target)).isEmpty();
      await().atMost(Duration.ofSeconds(10)).until(() -> probe.verdict(owner, target).isPresent());
      assertThat(probe.verdict(owner, target).orElseThrow().status()).isEqualTo("True");
      // The verdict is stored before the owner is told: the announcement may trail it by a moment.
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(changed).containsExactly(owner));

      server.respondWith(500);
      await().atMost(Duration.ofSeconds(10)).until(() -> "False".equals(probe.verdict(owner, target).orElseThrow().status()));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(changed).containsExactly(owner, owner));
    }
  }
}
