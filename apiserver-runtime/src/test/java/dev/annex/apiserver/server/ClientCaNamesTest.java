package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The handshake's certificate request names the client CAs current now: a client (Go's crypto/tls,
 * so kubectl and the aggregator) sends only a certificate one of them issued. BoringSSL takes the
 * names when a TLS context is built, so a rotated client CA must build a new one.
 */
class ClientCaNamesTest {

  @TempDir
  Path dir;

  @Test
  void aRotatedClientCaIsNamedInTheNextHandshakes() throws Exception {
    try (RunningServer server = new RunningServer(dir)) {
      assertThat(namedIssuers(server)).contains(server.pki().ca().getSubjectX500Principal());

      TestPki next = new TestPki(dir.resolve("next"), "next-client-ca");
      Files.copy(next.caFile(), server.pki().caFile(), StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).alias("the new client CA named in the handshake")
          .until(() -> namedIssuers(server).contains(next.ca().getSubjectX500Principal()));
      assertThat(namedIssuers(server)).doesNotContain(server.pki().ca().getSubjectX500Principal());
    }
  }

  /** The CA names of the server's certificate request, as a client sees them when choosing its certificate. */
  private static List<Principal> namedIssuers(RunningServer server) throws Exception {
    List<Principal> named = new CopyOnWriteArrayList<>();
    SSLContext tls = TestPki.sslContext(null, server.pki().ca(), named);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
    }
    return named;
  }
}
