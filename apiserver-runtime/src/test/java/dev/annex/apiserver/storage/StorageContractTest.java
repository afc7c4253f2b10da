package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link Storage} backend promises, written once: a backend's test extends this class
 * and says how to make a fresh, empty storage whose history keeps at least {@link #HISTORY} changes.
 */
public abstract class StorageContractTest {

  protected static final int HISTORY = 50;

  protected Storage storage;

  /** A fresh, empty storage whose history window holds exactly {@code historySize} changes. */
  protected abstract Storage newStorage(int historySize);

  @BeforeEach
  void open() {
    storage = newStorage(HISTORY);
  }

  @AfterEach
  void closeStorage() {
    storage.close();
  }

  /**
   * Called once more than {@link #HISTORY} changes were made: the backend forgets what lies before
   * its last {@link #HISTORY} changes. The memory backend does that by itself; etcd forgets by
   * compaction, which kube-apiserver runs every few minutes, so its test compacts here.
   */
  protected void historyWindowPassed() {
  }

  static ObjectNode object(String name, String label) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ObjectNode meta = o.putObject("metadata").put("name", name);
    meta.putObject("labels").put("app", label);
    o.putObject("spec").put("n", 0);
    return o;
  }

  static long rv(ObjectNode o) {
    return Long.parseLong(o.path("metadata").path("resourceVersion").asText());
  }

  static List<String> names(List<ObjectNode> items) {
    return items.stream().map(o -> o.path("metadata").path("name").asText()).toList();
  }

  @Test
  void createAssignsIncreasingResourceVersionsAndGetReturnsTheStoredObject() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    ObjectNode b = storage.create("/r/b", object("b", "x"));
    assertThat(rv(b)).isGreaterThan(rv(a));
    assertThat(storage.get("/r/a")).contains(a);
    assertThat(storage.get("/r/missing")).isEmpty();
    assertThat(storage.currentResourceVersion()).isEqualTo(rv(b));
  }

  @Test
  void createOfAnExistingKeyFailsWithKeyExists() {
    storage.create("/r/a", object("a", "x"));
    assertThatThrownBy(() -> storage.create("/r/a", object("a", "y")))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.KEY_EXISTS));
  }

  @Test
  void objectsHandedOutAreCopies() {
    storage.create("/r/a", object("a", "x"));
    storage.get("/r/a").orElseThrow().put("mutated", true);
    assertThat(storage.get("/r/a").orElseThrow().has("mutated")).isFalse();
  }

  @Test
  void guaranteedUpdateWritesTheFunctionsResultAndSkipsNoOps() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    ObjectNode same = storage.guaranteedUpdate("/r/a", current -> current);
    assertThat(rv(same)).isEqualTo(rv(a));
    ObjectNode changed = storage.guaranteedUpdate("/r/a", current -> {
      current.with("spec").put("n", 1);
      return current;
    });
    assertThat(rv(changed)).isGreaterThan(rv(a));
    assertThat(storage.get("/r/a").orElseThrow().path("spec").path("n").asInt()).isEqualTo(1);
    assertThatThrownBy(() -> storage.guaranteedUpdate("/r/missing", c -> c))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.NOT_FOUND));
  }

  @Test
  void guaranteedUpdateAbortsWhenTheFunctionThrows() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    assertThatThrownBy(() -> storage.guaranteedUpdate("/r/a", c -> {
      throw new IllegalArgumentException("no");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.get("/r/a")).contains(a);
  }

  @Test
  void anUpdateGivenAStaleCachedCopyDecidesOnTheCurrentState() {
    ObjectNode stale = storage.create("/r/a", object("a", "x"));
    ObjectNode current = storage.guaranteedUpdate("/r/a", c -> {
      c.with("spec").put("n", 1);
      return c;
    });

    // refused on the stale copy (n is 0), accepted on the current one: the update lands on the current one
    ObjectNode two = storage.guaranteedUpdate("/r/a", c -> {
      if (c.path("spec").path("n").asInt() != 1) {
        throw new IllegalStateException("stale state seen");
      }
      c.with("spec").put("n", 2);
      return c;
    }, stale);
    assertThat(two.path("spec").path("n").asInt()).isEqualTo(2);
    assertThat(rv(two)).isGreaterThan(rv(current));

    // a no-op on the stale copy (n back to 0) is a change of the current state: it is written
    ObjectNode zero = storage.guaranteedUpdate("/r/a", c -> {
      c.with("spec").put("n", 0);
      return c;
    }, stale);
    assertThat(rv(zero)).isGreaterThan(rv(two));
    assertThat(storage.get("/r/a").orElseThrow().path("spec").path("n").asInt()).isZero();

    // refused on a copy that is current: the function's own error, nothing written
    ObjectNode latest = storage.get("/r/a").orElseThrow();
    assertThatThrownBy(() -> storage.guaranteedUpdate("/r/a", c -> {
      throw new IllegalArgumentException("refused");
    }, latest)).isInstanceOf(IllegalArgumentException.class).hasMessage("refused");
    assertThat(storage.get("/r/a")).contains(latest);

    // a copy of an object deleted since: not found
    storage.delete("/r/a", o -> true);
    assertThatThrownBy(() -> storage.guaranteedUpdate("/r/a", c -> c, latest))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.NOT_FOUND));
  }

  @Test
  void concurrentGuaranteedUpdatesLoseNoIncrement() throws Exception {
    storage.create("/r/a", object("a", "x"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 200; i++) {
        pool.submit(() -> storage.guaranteedUpdate("/r/a", c -> {
          c.with("spec").put("n", c.path("spec").path("n").asInt() + 1);
          return c;
        }));
      }
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("200 updates finish within 30 s").isTrue();
    }
    assertThat(storage.get("/r/a").orElseThrow().path("spec").path("n").asInt()).isEqualTo(200);
  }

  @Test
  void deleteReturnsTheLastStateAtTheDeletionsVersionAndHonoursThePrecondition() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    assertThatThrownBy(() -> storage.delete("/r/a", o -> {
      throw new IllegalStateException("precondition failed");
    })).hasMessage("precondition failed");
    assertThat(storage.get("/r/a")).isPresent();
    ObjectNode deleted = storage.delete("/r/a", o -> true);
    assertThat(rv(deleted)).isGreaterThan(rv(a));
    assertThat(deleted.path("metadata").path("name").asText()).isEqualTo("a");
    assertThat(storage.get("/r/a")).isEmpty();
    assertThatThrownBy(() -> storage.delete("/r/a", o -> true))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.NOT_FOUND));
  }

  @Test
  void listReturnsOnlyThePrefixInKeyOrder() {
    storage.create("/r/ns1/b", object("b", "x"));
    storage.create("/r/ns1/a", object("a", "x"));
    storage.create("/r/ns2/c", object("c", "x"));
    storage.create("/s/ns1/d", object("d", "x"));
    assertThat(names(storage.list("/r/ns1/", ListOptions.latest()).items())).containsExactly("a", "b");
    assertThat(names(storage.list("/r/", ListOptions.latest()).items())).containsExactly("a", "b", "c");
    assertThat(storage.list("/r/", ListOptions.latest()).resourceVersion()).isEqualTo(storage.currentResourceVersion());
  }

  @Test
  void pagedListsContinueAtTheSameSnapshotAndCountWhatRemains() {
    for (String n : List.of("a", "b", "c", "d", "e")) {
      storage.create("/r/" + n, object(n, "x"));
    }
    ListResult first = storage.list("/r/", new ListOptions(0, null, 2, o -> true, false));
    assertThat(names(first.items())).containsExactly("a", "b");
    assertThat(first.remainingItemCount()).isEqualTo(3);
    storage.delete("/r/c", o -> true);
    storage.create("/r/bb", object("bb", "x"));
    ListResult second = storage.list("/r/", new ListOptions(first.resourceVersion(), first.nextKey(), 2, o -> true, false));
    assertThat(names(second.items())).as("the snapshot of the first page, not the live state").containsExactly("c", "d");
    ListResult third = storage.list("/r/", new ListOptions(first.resourceVersion(), second.nextKey(), 2, o -> true, false));
    assertThat(names(third.items())).containsExactly("e");
    assertThat(third.nextKey()).isNull();
  }

  @Test
  void aListAtAnEarlierVersionShowsEachObjectAsItWasThen() {
    storage.create("/r/a", object("a", "out"));
    ObjectNode b = storage.create("/r/b", object("b", "in"));
    setSpec(1);
    setLabel("in");
    setSpec(2);
    storage.delete("/r/b", o -> true);
    storage.create("/r/c", object("c", "in"));

    ListResult then = storage.list("/r/", new ListOptions(rv(b), null, 0, o -> true, false));
    assertThat(then.resourceVersion()).isEqualTo(rv(b));
    assertThat(then.items()).extracting(StorageContractTest::state).containsExactly("a n=0 app=out", "b n=0 app=in");
    ListResult now = storage.list("/r/", new ListOptions(0, null, 0, o -> true, false));
    assertThat(names(now.items())).containsExactly("a", "c");
    assertThat(now.items().get(0).path("spec").path("n").asInt()).isEqualTo(2);
  }

  @Test
  void filteredListsCountMatchesTowardsTheLimitAndDoNotEstimateTheRest() {
    for (int i = 0; i < 6; i++) {
      storage.create("/r/o" + i, object("o" + i, i % 2 == 0 ? "even" : "odd"));
    }
    ListOptions evens = new ListOptions(0, null, 2, o -> true, false)
        .withFilter(o -> o.path("metadata").path("labels").path("app").asText().equals("even"));
    ListResult page = storage.list("/r/", evens);
    assertThat(names(page.items())).containsExactly("o0", "o2");
    assertThat(page.nextKey()).isNotNull();
    assertThat(page.remainingItemCount()).isEqualTo(-1);
  }

  @Test
  void exactListBeforeTheHistoryWindowIsExpired() {
    ObjectNode first = storage.create("/r/first", object("first", "x"));
    for (int i = 0; i < HISTORY + 5; i++) {
      storage.guaranteedUpdate("/r/first", c -> {
        c.with("spec").put("n", c.path("spec").path("n").asInt() + 1);
        return c;
      });
    }
    historyWindowPassed();
    assertThatThrownBy(() -> storage.list("/r/", new ListOptions(rv(first), null, 0, o -> true, false)))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.EXPIRED));
  }

  @Test
  void watchFromAResourceVersionReplaysLaterChangesThenStreams() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    storage.create("/r/b", object("b", "x"));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    try (Watch w = storage.watch("/r/", WatchOptions.from(rv(a)), events::add)) {
      storage.guaranteedUpdate("/r/a", c -> {
        c.with("spec").put("n", 5);
        return c;
      });
      storage.delete("/r/b", o -> true);
      storage.create("/other/c", object("c", "x"));
      await().atMost(Duration.ofSeconds(5)).alias("three events for /r/").until(() -> events.size() >= 3);
      assertThat(events).extracting(WatchEvent::type)
          .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.MODIFIED, WatchEvent.Type.DELETED);
      assertThat(names(events.stream().map(WatchEvent::object).toList())).containsExactly("b", "a", "b");
      assertThat(events).extracting(WatchEvent::resourceVersion).isSorted();
      w.bookmark();
      await().atMost(Duration.ofSeconds(5)).alias("the bookmark").until(() -> events.size() == 4);
      assertThat(events.get(3).type()).isEqualTo(WatchEvent.Type.BOOKMARK);
      assertThat(events.get(3).resourceVersion()).isEqualTo(storage.currentResourceVersion());
    }
  }

  @Test
  void aWatchFromAnEarlierVersionReplaysEachChangeWithTheStateItMade() {
    ObjectNode a = storage.create("/r/a", object("a", "out"));
    setSpec(1);
    setSpec(2);
    setLabel("in");
    setSpec(3);
    setLabel("out");
    storage.delete("/r/a", o -> true);
    storage.create("/r/b", object("b", "in"));
    storage.delete("/r/b", o -> true);

    List<WatchEvent> all = replayFrom(rv(a), o -> true, 8);
    assertThat(all).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.MODIFIED, WatchEvent.Type.MODIFIED,
        WatchEvent.Type.MODIFIED, WatchEvent.Type.MODIFIED, WatchEvent.Type.MODIFIED, WatchEvent.Type.DELETED,
        WatchEvent.Type.ADDED, WatchEvent.Type.DELETED);
    assertThat(states(all)).containsExactly("a n=1 app=out", "a n=2 app=out", "a n=2 app=in", "a n=3 app=in",
        "a n=3 app=out", "a n=3 app=out", "b n=0 app=in", "b n=0 app=in");
    assertThat(all).extracting(WatchEvent::resourceVersion).isSorted().doesNotHaveDuplicates();
    assertThat(all).allSatisfy(e -> assertThat(rv(e.object())).isEqualTo(e.resourceVersion()));

    // a filter sees the object enter and leave: it decides on the states before and after each change
    List<WatchEvent> in = replayFrom(rv(a), o -> o.path("metadata").path("labels").path("app").asText().equals("in"), 5);
    assertThat(in).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.MODIFIED,
        WatchEvent.Type.DELETED, WatchEvent.Type.ADDED, WatchEvent.Type.DELETED);
    assertThat(states(in)).containsExactly("a n=2 app=in", "a n=3 app=in", "a n=3 app=out", "b n=0 app=in",
        "b n=0 app=in");
  }

  private void setSpec(int n) {
    storage.guaranteedUpdate("/r/a", c -> {
      c.with("spec").put("n", n);
      return c;
    });
  }

  private void setLabel(String app) {
    storage.guaranteedUpdate("/r/a", c -> {
      c.with("metadata").with("labels").put("app", app);
      return c;
    });
  }

  private List<WatchEvent> replayFrom(long version, Predicate<ObjectNode> filter, int expected) {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    try (Watch w = storage.watch("/r/", new WatchOptions(version, false, filter), events::add)) {
      await().atMost(Duration.ofSeconds(5)).alias(expected + " replayed events").until(() -> events.size() >= expected);
    }
    return List.copyOf(events);
  }

  private static List<String> states(List<WatchEvent> events) {
    return events.stream().map(e -> state(e.object())).toList();
  }

  private static String state(ObjectNode o) {
    return o.path("metadata").path("name").asText() + " n=" + o.path("spec").path("n").asInt() + " app="
        + o.path("metadata").path("labels").path("app").asText();
  }

  @Test
  void watchWithInitialEventsSendsTheStateThenAnEndBookmark() {
    storage.create("/r/a", object("a", "x"));
    storage.create("/r/b", object("b", "x"));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    try (Watch w = storage.watch("/r/", new WatchOptions(0, true, o -> true), events::add)) {
      await().atMost(Duration.ofSeconds(5)).alias("two ADDED and a bookmark").until(() -> events.size() >= 3);
      assertThat(events).extracting(WatchEvent::type)
          .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.ADDED, WatchEvent.Type.BOOKMARK);
      assertThat(events.get(2).initialEventsEnd()).isTrue();
      assertThat(events.get(2).resourceVersion()).isEqualTo(storage.currentResourceVersion());
    }
  }

  @Test
  void filteredWatchesSeeObjectsEnterAndLeaveAsAddedAndDeleted() {
    storage.create("/r/a", object("a", "out"));
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    WatchOptions in = new WatchOptions(storage.currentResourceVersion(), false,
        o -> o.path("metadata").path("labels").path("app").asText().equals("in"));
    try (Watch w = storage.watch("/r/", in, events::add)) {
      storage.guaranteedUpdate("/r/a", c -> {
        c.with("metadata").with("labels").put("app", "in");
        return c;
      });
      storage.guaranteedUpdate("/r/a", c -> {
        c.with("metadata").with("labels").put("app", "out");
        return c;
      });
      await().atMost(Duration.ofSeconds(5)).alias("enter and leave").until(() -> events.size() >= 2);
      assertThat(events).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.DELETED);
    }
  }

  @Test
  void watchBeforeTheHistoryWindowIsExpired() {
    ObjectNode a = storage.create("/r/a", object("a", "x"));
    for (int i = 0; i < HISTORY + 1; i++) {
      storage.create("/r/x" + i, object("x" + i, "x"));
    }
    historyWindowPassed();
    assertThatThrownBy(() -> storage.watch("/r/", WatchOptions.from(rv(a) - 1), e -> { }))
        .isInstanceOfSatisfying(StorageException.class, e -> {
          assertThat(e.kind()).isEqualTo(StorageException.Kind.EXPIRED);
          assertThat(e.getMessage()).startsWith("too old resource version: ");
        });
  }

  @Test
  void closedWatchesReceiveNothingMore() throws Exception {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Watch w = storage.watch("/r/", WatchOptions.from(storage.currentResourceVersion()), events::add);
    storage.create("/r/a", object("a", "x"));
    await().atMost(Duration.ofSeconds(5)).alias("the first event").until(() -> events.size() == 1);
    w.close();
    storage.create("/r/b", object("b", "x"));
    CountDownLatch settle = new CountDownLatch(1);
    assertThat(settle.await(200, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(events).hasSize(1);
  }
}
