package dev.annex.apiserver.storage.etcd;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;
import dev.annex.apiserver.storage.cacher.Cacher;
import dev.annex.apiserver.testsupport.EtcdServer;
import dev.annex.apiserver.testsupport.TcpProxy;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A watch whose connection to etcd drops while etcd compacts past it cannot resume without a gap:
 * it ends (the watcher must re-list, as after a 410), and the watch cache lists again and serves.
 */
class EtcdCompactionTest {

  @TempDir
  Path dir;

  @Test
  void aWatchCutOffWhileEtcdCompactsPastItEndsAndTheCacheListsAgain() throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    try (EtcdServer etcd = new EtcdServer(dir);
         TcpProxy proxy = new TcpProxy(URI.create(etcd.endpoint()).getPort());
         Client direct = new EtcdConfig(List.of(etcd.endpoint()), "/", null, null, null, Duration.ZERO, timeout).connect();
         Client proxied = new EtcdConfig(List.of("http://127.0.0.1:" + proxy.port()), "/", null, null, null,
             Duration.ZERO, timeout).connect()) {
      String root = "/compaction-" + UUID.randomUUID();
      EtcdStorage writer = new EtcdStorage(direct, root, timeout);
      try (EtcdStorage watched = new EtcdStorage(proxied, root, timeout);
           Cacher cacher = new Cacher(new EtcdStorage(proxied, root, timeout), 100)) {
        long start = writer.currentResourceVersion();
        AtomicBoolean rawEnded = new AtomicBoolean();
        AtomicBoolean cachedEnded = new AtomicBoolean();
        List<WatchEvent> raw = new CopyOnWriteArrayList<>();
        List<WatchEvent> cached = new CopyOnWriteArrayList<>();
        Watch w1 = watched.watch("/r/", WatchOptions.from(start), recorder(raw, rawEnded));
        Watch w2 = cacher.watch("/r/", WatchOptions.from(start), recorder(cached, cachedEnded));
        writer.create("/r/a", object("a"));
        await().atMost(Duration.ofSeconds(10)).alias("both watchers see a")
            .until(() -> raw.size() == 1 && cached.size() == 1);

        proxy.cut();
        writer.create("/r/b", object("b"));
        writer.create("/r/c", object("c"));
        Compactor.compact(direct, writer.currentResourceVersion(), Duration.ofSeconds(10));
        proxy.restore();

        await().atMost(Duration.ofSeconds(30)).alias("both watches end").until(() -> rawEnded.get() && cachedEnded.get());
        assertThat(raw).as("no event from across the gap").hasSize(1);
        await().atMost(Duration.ofSeconds(30)).alias("the cache lists again")
            .until(() -> cacher.list("/r/", ListOptions.latest().withAnyVersion()).items().size() == 3);
        List<WatchEvent> after = new CopyOnWriteArrayList<>();
        cacher.watch("/r/", WatchOptions.from(cacher.currentResourceVersion()), after::add);
        writer.create("/r/d", object("d"));
        await().atMost(Duration.ofSeconds(10)).alias("the refilled cache serves new watches").until(() -> after.size() == 1);
        w1.close();
        w2.close();
      }
    }
  }

  private static ObjectNode object(String name) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("metadata").put("name", name);
    return o;
  }

  private static WatchListener recorder(List<WatchEvent> events, AtomicBoolean ended) {
    return new WatchListener() {
      @Override
      public void onEvent(WatchEvent event) {
        if (event.type() != WatchEvent.Type.BOOKMARK) {
          events.add(event);
        }
      }

      @Override
      public void onClose() {
        ended.set(true);
      }
    };
  }
}
