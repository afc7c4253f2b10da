package dev.annex.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ApiResponseTest {

  static ObjectNode item(int i) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("apiVersion", "wardle.example.com/v1alpha1").put("kind", "Flunder");
    o.putObject("metadata").put("name", "f-" + i).put("resourceVersion", Integer.toString(100 + i));
    o.putObject("spec").put("reference", "quote \" and unicode \u00e9 " + i);
    return o;
  }

  @Test
  void aListWithEncodedItemsIsByteForByteTheListEncodedWhole() throws Exception {
    for (int n : new int[] {0, 1, 3}) {
      ObjectNode head = JsonNodeFactory.instance.objectNode().put("apiVersion", "wardle.example.com/v1alpha1")
          .put("kind", "FlunderList");
      head.putObject("metadata").put("resourceVersion", "200").put("continue", "abc");
      ObjectNode whole = head.deepCopy();
      ArrayNode items = whole.putArray("items");
      List<byte[]> encoded = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        items.add(item(i));
        encoded.add(ApiResponse.JSON.writeValueAsBytes(item(i)));
      }
      ApiResponse.Full fromParts = ApiResponse.json(200, head, encoded, "items");
      ApiResponse.Full fromTree = ApiResponse.json(200, whole);
      assertThat(new String(fromParts.body(), java.nio.charset.StandardCharsets.UTF_8))
          .as("%d items", n).isEqualTo(new String(fromTree.body(), java.nio.charset.StandardCharsets.UTF_8));
      assertThat(fromParts.body()).isEqualTo(fromTree.body());
      assertThat(fromParts.headers()).isEqualTo(fromTree.headers());
    }
  }
}
