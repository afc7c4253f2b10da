package dev.annex.apiserver.storage.etcd;

import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import dev.annex.apiserver.testsupport.EtcdServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** The storage contract, run against the etcd backend on a real etcd; each test under a fresh prefix. */
class EtcdStorageTest extends StorageContractTest {

  @TempDir
  static Path dir;
  static EtcdServer etcd;
  static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = new EtcdServer(dir);
    client = new EtcdConfig(java.util.List.of(etcd.endpoint()), "/t", null, null, null, Duration.ZERO,
        EtcdConfig.DEFAULT_REQUEST_TIMEOUT).connect();
  }

  @AfterAll
  static void stopEtcd() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected Storage newStorage(int historySize) {
    return new EtcdStorage(client, "/test-" + UUID.randomUUID(), EtcdConfig.DEFAULT_REQUEST_TIMEOUT);
  }

  @Override
  protected void historyWindowPassed() {
    try {
      Compactor.compact(client, storage.currentResourceVersion() - HISTORY, Duration.ofSeconds(10));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
