package dev.annex.apiserver.storage.etcd;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;
import dev.annex.apiserver.storage.cacher.Cacher;
import dev.annex.apiserver.testsupport.EtcdServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * etcd restarted in the middle of a stream of writes: every acknowledged write is there afterwards,
 * and watchers (a raw etcd watch and one through the watch cache) see every event once, in order.
 */
class EtcdRestartTest {

  @TempDir
  Path dir;

  @Test
  void acknowledgedWritesSurviveARestartAndWatchersSeeEveryEventOnceInOrder() throws Exception {
    try (EtcdServer etcd = new EtcdServer(dir);
         Client client = new EtcdConfig(List.of(etcd.endpoint()), "/", null, null, null, Duration.ZERO,
             Duration.ofSeconds(2)).connect()) {
      String root = "/restart-" + UUID.randomUUID();
      try (Storage raw = new EtcdStorage(client, root, Duration.ofSeconds(2));
           Storage cached = new Cacher(new EtcdStorage(client, root, Duration.ofSeconds(2)), 10_000)) {
        long start = raw.currentResourceVersion();
        List<WatchEvent> rawEvents = new CopyOnWriteArrayList<>();
        List<WatchEvent> cachedEvents = new CopyOnWriteArrayList<>();
        AtomicBoolean rawClosed = new AtomicBoolean();
        Watch w1 = raw.watch("/r/", WatchOptions.from(start), recorder(rawEvents, rawClosed));
        Watch w2 = cached.watch("/r/", WatchOptions.from(start), recorder(cachedEvents, new AtomicBoolean()));

        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
          for (int i = 0; writing.get(); i++) {
            String key = "/r/o" + i;
            try {
              ObjectNode o = JsonNodeFactory.instance.objectNode();
              o.putObject("metadata").put("name", "o" + i);
              ObjectNode stored = (i % 2 == 0 ? raw : cached).create(key, o);
              acknowledged.put(key, Long.parseLong(stored.path("metadata").path("resourceVersion").asText()));
            } catch (StorageException e) {
              failed.incrementAndGet(); // etcd is down: not acknowledged, may or may not have been written
              sleep(50);
            }
          }
        }, "writer");
        writer.start();
        await().atMost(Duration.ofSeconds(20)).alias("writes before the restart").until(() -> acknowledged.size() >= 50);
        etcd.stop();
        sleep(1500);
        etcd.start();
        int atRestart = acknowledged.size();
        await().atMost(Duration.ofSeconds(30)).alias("writes after the restart")
            .until(() -> acknowledged.size() >= atRestart + 50);
        writing.set(false);
        writer.join(10_000);
        assertThat(failed.get()).as("writes refused while etcd was down").isPositive();

        Set<String> stored = new HashSet<>();
        raw.list("/r/", ListOptions.latest()).items().forEach(o -> stored.add("/r/" + o.path("metadata").path("name").asText()));
        assertThat(stored).as("every acknowledged write is in etcd").containsAll(acknowledged.keySet());

        long last = acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        for (List<WatchEvent> events : List.of(rawEvents, cachedEvents)) {
          await().atMost(Duration.ofSeconds(30)).alias("the watcher reaches revision " + last)
              .until(() -> !events.isEmpty() && events.get(events.size() - 1).resourceVersion() >= last);
          List<Long> revisions = new ArrayList<>();
          List<String> keys = new ArrayList<>();
          for (WatchEvent e : events) {
            assertThat(e.type()).isEqualTo(WatchEvent.Type.ADDED);
            revisions.add(e.resourceVersion());
            keys.add(e.key());
          }
          assertThat(revisions).as("in order, each once").isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
          assertThat(keys).doesNotHaveDuplicates().containsAll(acknowledged.keySet());
          assertThat(new HashSet<>(keys)).as("nothing the watch invented").isEqualTo(stored);
        }
        assertThat(rawClosed.get()).as("the raw watch resumed instead of ending").isFalse();
        w1.close();
        w2.close();
      }
    }
  }

  private static WatchListener recorder(List<WatchEvent> events, AtomicBoolean closed) {
    return new WatchListener() {
      @Override
      public void onEvent(WatchEvent event) {
        if (event.type() != WatchEvent.Type.BOOKMARK) {
          events.add(event);
        }
      }

      @Override
      public void onClose() {
        closed.set(true);
      }
    };
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
