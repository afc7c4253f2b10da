package dev.annex.apiserver.storage.etcd;

import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import dev.annex.apiserver.testsupport.EtcdServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

  @Test
  void theStoredValueIsTheObjectWithoutItsResourceVersionFieldsInTheirOrder() throws Exception {
    EtcdStorage etcdStorage = (EtcdStorage) storage;
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("kind", "Flunder").putObject("metadata").put("name", "o").put("resourceVersion", "7").put("uid", "u");
    o.putObject("spec").put("size", 1);
    etcdStorage.create("/r/o", o);
    assertThat(stored(etcdStorage, "/r/o")).isEqualTo("{\"kind\":\"Flunder\",\"metadata\":{\"name\":\"o\",\"uid\":\"u\"},\"spec\":{\"size\":1}}");

    ObjectNode updated = etcdStorage.guaranteedUpdate("/r/o", current -> {
      current.withObject("/spec").put("size", 2);
      return current;
    });
    assertThat(updated.path("metadata").path("resourceVersion").asText()).isNotEmpty();
    assertThat(stored(etcdStorage, "/r/o")).isEqualTo("{\"kind\":\"Flunder\",\"metadata\":{\"name\":\"o\",\"uid\":\"u\"},\"spec\":{\"size\":2}}");
  }

  private static String stored(EtcdStorage etcdStorage, String key) throws Exception {
    return client.getKVClient().get(etcdStorage.etcdKey(key)).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()
        .toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void bookmarksAskedFromManyThreadsAtOnceAreCoalescedAndTheWatchLosesNothing() throws Exception {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Watch watch = storage.watch("/r/", WatchOptions.from(storage.currentResourceVersion()), events::add);
    ExecutorService askers = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> asked = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        asked.add(askers.submit(() -> {
          for (int i = 0; i < 200; i++) {
            watch.bookmark();
          }
        }));
      }
      for (int i = 0; i < 50; i++) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putObject("metadata").put("name", "o" + i);
        storage.create("/r/o" + i, o);
      }
      for (Future<?> f : asked) {
        f.get(30, TimeUnit.SECONDS);
      }
      await().atMost(Duration.ofSeconds(10)).alias("all 50 creates arrive")
          .until(() -> events.stream().filter(e -> e.type() == WatchEvent.Type.ADDED).count() == 50);
      assertThat(events.stream().filter(e -> e.type() == WatchEvent.Type.ADDED).map(WatchEvent::key).toList())
          .as("each create once, in order").isEqualTo(IntStream.range(0, 50).mapToObj(i -> "/r/o" + i).toList());
      assertThat(events.stream().filter(e -> e.type() == WatchEvent.Type.BOOKMARK).count())
          .as("3,200 asks answered by far fewer progress requests").isLessThan(800);
    } finally {
      askers.shutdownNow();
      watch.close();
    }
  }
}
