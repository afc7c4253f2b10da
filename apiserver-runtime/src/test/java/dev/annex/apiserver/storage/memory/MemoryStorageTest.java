package dev.annex.apiserver.storage.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import dev.annex.apiserver.storage.WatchEvent;
import dev.annex.apiserver.storage.WatchOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The storage contract, run against the in-memory backend, and the encodings its lists carry. */
class MemoryStorageTest extends StorageContractTest {

  @Override
  protected Storage newStorage(int historySize) {
    return new MemoryStorage(historySize);
  }

  private static ObjectNode named(String name, String spec) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("apiVersion", "wardle.example.com/v1alpha1")
        .put("kind", "Flunder");
    o.putObject("metadata").put("name", name);
    o.put("spec", spec);
    return o;
  }

  @Test
  void aListOfTheCurrentObjectsCarriesTheirEncodingsAndHandsOutCopies() throws Exception {
    MemoryStorage memory = new MemoryStorage(10);
    memory.create("/r/a", named("a", "one"));
    memory.create("/r/b", named("b", "two"));
    ObjectNode updated = memory.guaranteedUpdate("/r/a", current -> current.put("spec", "three"));

    ListResult list = memory.list("/r/", ListOptions.latest());
    assertThat(list.encoded()).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 2; i++) {
      assertThat(json.readTree(list.encoded().get(i).json())).isEqualTo(list.items().get(i));
    }
    assertThat(list.items().get(0)).isEqualTo(updated);
    list.items().get(0).put("spec", "changed by the caller");
    assertThat(memory.get("/r/a").orElseThrow()).isEqualTo(updated);
    assertThat(json.readTree(memory.list("/r/", ListOptions.latest()).encoded().get(0).json())).isEqualTo(updated);

    long before = Long.parseLong(updated.path("metadata").path("resourceVersion").asText()) - 1;
    ListResult past = memory.list("/r/", new ListOptions(before, null, 0, o -> true, false));
    assertThat(past.encoded()).as("an older version's list is rebuilt, with no kept encodings").isNull();
    assertThat(past.items().get(0).path("spec").asText()).isEqualTo("one");
  }

  /** As the watch cache: 1,000 watchers of one object cost one copy and, in the watch handler, one encoding. */
  @Test
  void watchersOfOneChangeShareOneCopyAndTheStorageKeepsItsOwn() {
    MemoryStorage memory = new MemoryStorage(10);
    List<WatchEvent> first = new ArrayList<>();
    List<WatchEvent> second = new ArrayList<>();
    long from = memory.currentResourceVersion();
    memory.watch("/r/", WatchOptions.from(from), event -> {
      event.object().put("apiVersion", "example.com/v1"); // what a watch handler does to its event
      first.add(event);
    });
    memory.watch("/r/", WatchOptions.from(from), second::add);
    memory.create("/r/a", JsonNodeFactory.instance.objectNode().set("metadata",
        JsonNodeFactory.instance.objectNode().put("name", "a")));
    assertThat(first.get(0).object()).as("one copy per change, for every watcher").isSameAs(second.get(0).object());
    assertThat(memory.get("/r/a").orElseThrow().has("apiVersion")).as("the stored object is not the watchers' copy")
        .isFalse();

    List<WatchEvent> replayed = new ArrayList<>();
    memory.watch("/r/", WatchOptions.from(from), replayed::add);
    assertThat(replayed.get(0).object()).as("a replay from the history gets a copy of its own")
        .isNotSameAs(first.get(0).object());
    assertThat(replayed.get(0).object().has("apiVersion")).isFalse();
  }
}
