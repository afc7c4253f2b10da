package dev.annex.apiserver.storage.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageContractTest;
import org.junit.jupiter.api.Test;

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
}
