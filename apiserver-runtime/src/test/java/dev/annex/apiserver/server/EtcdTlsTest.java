package dev.annex.apiserver.server;

import dev.annex.apiserver.testsupport.EtcdServer;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --etcd-cafile}/{@code --etcd-certfile}/{@code --etcd-keyfile} (what the operator mounts from
 * the etcd TLS Secret) against an etcd that requires client certificates.
 */
class EtcdTlsTest {

  private static final String NS = WARDLE + "/namespaces/default/flunders";

  @TempDir
  Path dir;

  @Test
  void theRuntimeReachesAnEtcdThatRequiresClientCertificates() throws Exception {
    TestPki pki = new TestPki(Files.createDirectories(dir.resolve("etcd-pki")));
    TestPki.Issued client = pki.client("annex-apiserver");
    try (EtcdServer etcd = new EtcdServer(Files.createDirectories(dir.resolve("etcd")), pki.serving(), pki.caFile());
         RunningServer server = new RunningServer(Files.createDirectories(dir.resolve("runtime")),
             "--storage-backend=etcd3", "--etcd-servers=" + etcd.endpoint(),
             "--etcd-cafile=" + pki.caFile(), "--etcd-certfile=" + client.certFile(),
             "--etcd-keyfile=" + client.keyFile())) {
      await().atMost(Duration.ofSeconds(30)).alias("/readyz with etcd over TLS")
          .until(() -> server.get("/readyz").statusCode() == 200);
      assertThat(server.post(NS, flunder("over-tls", "r")).statusCode()).isEqualTo(201);
      assertThat(server.get(NS + "/over-tls").statusCode()).isEqualTo(200);
    }
  }
}
