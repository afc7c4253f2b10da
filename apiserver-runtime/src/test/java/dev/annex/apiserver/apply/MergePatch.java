package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** RFC 7386 JSON merge patch, as the recorded requests used (test stand-in for the handlers'). */
final class MergePatch {

  private MergePatch() {
  }

  static ObjectNode apply(ObjectNode target, JsonNode patch) {
    return (ObjectNode) merge(target.deepCopy(), patch);
  }

  private static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode t = target != null && target.isObject() ? (ObjectNode) target : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    patch.fields().forEachRemaining(e -> {
      if (e.getValue().isNull()) {
        t.remove(e.getKey());
      } else {
        t.set(e.getKey(), merge(t.get(e.getKey()), e.getValue()));
      }
    });
    return t;
  }
}
