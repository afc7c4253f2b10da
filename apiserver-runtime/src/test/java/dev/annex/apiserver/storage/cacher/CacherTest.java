package dev.annex.apiserver.storage.cacher;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;
import dev.annex.apiserver.storage.memory.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the watch cache saves the backend: the calls a counting backend sees. */
class CacherTest {

  /** Forwards to the memory backend and counts lists and watches. */
  static final class CountingStorage implements Storage {
    final MemoryStorage backend = new MemoryStorage(100);
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger watches = new AtomicInteger();
    final AtomicInteger gets = new AtomicInteger();
    /** Revisions written elsewhere in etcd: the cache sees no event for them. */
    final AtomicInteger writesElsewhere = new AtomicInteger();
    final List<ObjectNode> cachedCopies = new CopyOnWriteArrayList<>();

    @Override
    public Optional<ObjectNode> get(String key) {
      gets.incrementAndGet();
      return backend.get(key);
    }

    @Override
    public ListResult list(String prefix, ListOptions options) {
      lists.incrementAndGet();
      return backend.list(prefix, options);
    }

    @Override
    public ObjectNode create(String key, ObjectNode object) {
      return backend.create(key, object);
    }

    @Override
    public ObjectNode guaranteedUpdate(String key, UpdateFunction update) {
      return backend.guaranteedUpdate(key, update);
    }

    @Override
    public ObjectNode guaranteedUpdate(String key, UpdateFunction update, ObjectNode cached) {
      cachedCopies.add(cached);
      return backend.guaranteedUpdate(key, update);
    }

    @Override
    public ObjectNode delete(String key, Predicate<ObjectNode> precondition) {
      return backend.delete(key, precondition);
    }

    @Override
    public Watch watch(String prefix, WatchOptions options, WatchListener listener) {
      watches.incrementAndGet();
      return backend.watch(prefix, options, listener);
    }

    @Override
    public long currentResourceVersion() {
      return backend.currentResourceVersion() + writesElsewhere.get();
    }

    @Override
    public void close() {
      backend.close();
    }
  }

  static ObjectNode object(String name) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("metadata").put("name", name);
    return o;
  }

  @Test
  void aGetIsServedByACacheThatHasSeenTheCurrentRevisionAndByTheBackendWhenTheCacheLags() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      ObjectNode created = cacher.create("/r/a", object("a"));

      ObjectNode got = cacher.get("/r/a").orElseThrow();
      assertThat(got).isEqualTo(created);
      assertThat(cacher.get("/r/missing")).isEmpty();
      assertThat(backend.gets).as("gets the backend answered").hasValue(0);
      got.withObject("/metadata").put("name", "changed by the caller");
      assertThat(cacher.get("/r/a").orElseThrow()).isEqualTo(created);

      backend.writesElsewhere.set(3); // etcd's revision moved on, the cache has no event to show it
      assertThat(cacher.get("/r/a").orElseThrow()).isEqualTo(created);
      assertThat(backend.gets).hasValue(1);
      ObjectNode updated = cacher.guaranteedUpdate("/r/a", current -> {
        current.put("spec", "v2");
        return current;
      });
      assertThat(cacher.get("/r/a").orElseThrow()).as("a lagging cache never answers an older object")
          .isEqualTo(updated);
    }
  }

  @Test
  void tenWatchersCostOneBackendWatchAndEachSeesEveryEvent() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      List<List<WatchEvent>> seen = new ArrayList<>();
      List<Watch> watches = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        seen.add(events);
        watches.add(cacher.watch("/r/", WatchOptions.from(cacher.currentResourceVersion()), events::add));
      }
      cacher.create("/r/a", object("a"));
      cacher.create("/r/b", object("b"));
      await().atMost(Duration.ofSeconds(5)).alias("every watcher sees both creates")
          .until(() -> seen.stream().allMatch(e -> e.size() == 2));
      assertThat(backend.watches.get()).as("backend watches for 10 watchers").isEqualTo(1);
      assertThat(cacher.watcherCount()).isEqualTo(10);
      watches.forEach(Watch::close);
      assertThat(cacher.watcherCount()).isZero();
    }
  }

  @Test
  void listsAtAnyVersionAndConsistentUnpagedListsAreServedFromTheCacheAndOthersFromTheBackend() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      cacher.create("/r/a", object("a"));
      int before = backend.lists.get();
      await().atMost(Duration.ofSeconds(5)).alias("the cache has the object")
          .until(() -> cacher.list("/r/", ListOptions.latest().withAnyVersion()).items().size() == 1);
      assertThat(backend.lists.get()).as("backend lists for resourceVersion=0 reads").isEqualTo(before);

      cacher.create("/r/b", object("b"));
      ListResult consistent = cacher.list("/r/", ListOptions.latest());
      assertThat(consistent.items()).as("a consistent list sees the write just made").hasSize(2);
      assertThat(consistent.resourceVersion()).isEqualTo(backend.currentResourceVersion());
      assertThat(backend.lists.get()).as("a consistent list is served from the cache once it is fresh").isEqualTo(before);

      assertThat(cacher.list("/r/", new ListOptions(0, null, 1, o -> true, false)).items()).hasSize(1);
      assertThat(backend.lists.get()).as("a paged list reads the backend").isEqualTo(before + 1);
    }
  }

  @Test
  void whenTheBackendWatchEndsCachedWatchesEndAndTheCacheListsAgain() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      AtomicInteger ended = new AtomicInteger();
      cacher.watch("/r/", WatchOptions.from(cacher.currentResourceVersion()), new WatchListener() {
        @Override
        public void onEvent(WatchEvent event) {
        }

        @Override
        public void onClose() {
          ended.incrementAndGet();
        }
      });
      // what a compaction past the backend watch looks like from here: the backend ends it
      backend.backend.close();
      await().atMost(Duration.ofSeconds(5)).alias("the cached watch ends").until(() -> ended.get() == 1);
      cacher.create("/r/after", object("after"));
      await().atMost(Duration.ofSeconds(5)).alias("a new backend watch fills the cache again")
          .until(() -> backend.watches.get() == 2
              && cacher.list("/r/", ListOptions.latest().withAnyVersion()).items().size() == 1);
      List<WatchEvent> events = new CopyOnWriteArrayList<>();
      cacher.watch("/r/", WatchOptions.from(cacher.currentResourceVersion()), events::add);
      cacher.create("/r/later", object("later"));
      await().atMost(Duration.ofSeconds(5)).alias("new watches are served").until(() -> events.size() == 1);
    }
  }

  @Test
  void watchersOfOneChangeShareOneCopyAndTheCacheKeepsItsOwn() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      List<WatchEvent> first = new CopyOnWriteArrayList<>();
      List<WatchEvent> second = new CopyOnWriteArrayList<>();
      long from = cacher.currentResourceVersion();
      cacher.watch("/r/", WatchOptions.from(from), event -> {
        event.object().put("apiVersion", "example.com/v1"); // what a watch handler does to its event
        first.add(event);
      });
      cacher.watch("/r/", WatchOptions.from(from), second::add);
      cacher.create("/r/a", object("a"));
      await().atMost(Duration.ofSeconds(5)).alias("both watchers see the create")
          .until(() -> first.size() == 1 && second.size() == 1);
      assertThat(first.get(0).object()).as("one copy per change, for every watcher").isSameAs(second.get(0).object());
      assertThat(cacher.list("/r/", ListOptions.latest().withAnyVersion()).items().get(0).has("apiVersion"))
          .as("the cached object is not the watchers' copy").isFalse();

      // a watch started later replays the change from the window on a copy of its own
      List<WatchEvent> replayed = new CopyOnWriteArrayList<>();
      cacher.watch("/r/", WatchOptions.from(from), replayed::add);
      assertThat(replayed).hasSize(1);
      assertThat(replayed.get(0).object()).isNotSameAs(first.get(0).object());
      assertThat(replayed.get(0).object().has("apiVersion")).isFalse();
    }
  }

  @Test
  void anUpdateStartsFromTheCachedObject() {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      ObjectNode created = cacher.create("/r/a", object("a"));
      await().atMost(Duration.ofSeconds(5)).alias("the cache has the object")
          .until(() -> cacher.list("/r/", ListOptions.latest().withAnyVersion()).items().size() == 1);
      cacher.guaranteedUpdate("/r/a", current -> current.put("spec", "changed"));
      assertThat(backend.cachedCopies).as("the cache's copy is handed to the backend").containsExactly(created);
      assertThatThrownBy(() -> cacher.guaranteedUpdate("/r/absent", current -> current)).isInstanceOf(StorageException.class);
      assertThat(backend.cachedCopies).as("nothing cached: the backend reads").containsExactly(created, null);
    }
  }

  @Test
  void aListFromTheCacheCarriesEachItemsJsonAsStored() throws Exception {
    CountingStorage backend = new CountingStorage();
    try (Cacher cacher = new Cacher(backend, 100)) {
      cacher.create("/r/a", object("a"));
      cacher.create("/r/b", object("b"));
      cacher.guaranteedUpdate("/r/a", current -> current.put("spec", "changed"));
      ListResult list = cacher.list("/r/", ListOptions.latest());
      assertThat(list.items()).hasSize(2);
      assertThat(list.encoded()).hasSize(2);
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      for (int i = 0; i < 2; i++) {
        assertThat(json.readTree(list.encoded().get(i).json())).isEqualTo(list.items().get(i));
        assertThat(list.encoded().get(i).kind()).isEqualTo(list.items().get(i).path("kind").asText());
      }
      assertThat(list.items().get(0).path("spec").asText()).isEqualTo("changed");
      list.items().get(0).put("spec", "mine now");
      assertThat(list.items().get(0).path("spec").asText()).as("the same copy on every read").isEqualTo("mine now");
      assertThat(cacher.list("/r/", ListOptions.latest()).items().get(0).path("spec").asText())
          .as("the caller's copy, not the cache's object").isEqualTo("changed");
      int listed = backend.lists.get();
      cacher.list("/r/", new ListOptions(0, null, 1, o -> true, false));
      assertThat(backend.lists.get()).as("a paged list comes from the backend").isEqualTo(listed + 1);
    }
  }
}
