package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
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
      assertThat(namedIssuers(server.port())).contains(server.pki().ca().getSubjectX500Principal());

      TestPki next = new TestPki(dir.resolve("next"), "next-client-ca");
      Files.copy(next.caFile(), server.pki().caFile(), StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).alias("the new client CA named in the handshake")
          .until(() -> namedIssuers(server.port()).contains(next.ca().getSubjectX500Principal()));
      assertThat(namedIssuers(server.port())).doesNotContain(server.pki().ca().getSubjectX500Principal());
    }
  }

  /** The CA names of the server's certificate request, as a client sees them when choosing its certificate. */
  private static List<Principal> namedIssuers(int port) throws Exception {
    List<Principal> named = new CopyOnWriteArrayList<>();
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new X509ExtendedKeyManager[] {new RecordingKeyManager(named)}, new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
    }
    return named;
  }

  /** Records the issuers it is offered and sends no certificate (the server asks for one but does not require it). */
  private static final class RecordingKeyManager extends X509ExtendedKeyManager {
    private final List<Principal> named;

    RecordingKeyManager(List<Principal> named) {
      this.named = named;
    }

    private String record(Principal[] issuers) {
      if (issuers != null) {
        named.addAll(List.of(issuers));
      }
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return record(issuers);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return record(issuers);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      record(issuers);
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return null;
    }
  }

  /** The serving certificate is not what this test is about. */
  private static final class TrustAll implements X509TrustManager {
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
  }
}
