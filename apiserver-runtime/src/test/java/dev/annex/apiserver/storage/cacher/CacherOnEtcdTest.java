package dev.annex.apiserver.storage.cacher;

import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import dev.annex.apiserver.storage.etcd.Compactor;
import dev.annex.apiserver.storage.etcd.EtcdConfig;
import dev.annex.apiserver.storage.etcd.EtcdStorage;
import dev.annex.apiserver.testsupport.EtcdServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** The storage contract, run against the watch cache in front of etcd: what the runtime serves with. */
class CacherOnEtcdTest extends StorageContractTest {

  @TempDir
  static Path dir;
  static EtcdServer etcd;
  static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = new EtcdServer(dir);
    client = new EtcdConfig(List.of(etcd.endpoint()), "/t", null, null, null, Duration.ZERO,
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
    return new Cacher(new EtcdStorage(client, "/test-" + UUID.randomUUID(), EtcdConfig.DEFAULT_REQUEST_TIMEOUT),
        historySize);
  }

  @Override
  protected void historyWindowPassed() {
    // the cache forgets by itself (its window); exact lists go to etcd, which forgets by compaction
    try {
      Compactor.compact(client, storage.currentResourceVersion() - HISTORY, Duration.ofSeconds(10));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
