package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The structural-schema defaulting kube-apiserver runs on custom resources (test stand-in for the registry's). */
final class CrdDefaulter {

  private CrdDefaulter() {
  }

  static ObjectNode defaulted(ObjectNode obj, JsonNode schema) {
    walk(obj, schema);
    return obj;
  }

  private static void walk(JsonNode value, JsonNode schema) {
    if (value == null || schema == null) {
      return;
    }
    if (value.isObject()) {
      ObjectNode o = (ObjectNode) value;
      schema.path("properties").fields().forEachRemaining(p -> {
        if (!o.has(p.getKey()) && p.getValue().has("default")) {
          o.set(p.getKey(), p.getValue().get("default").deepCopy());
        }
        walk(o.get(p.getKey()), p.getValue());
      });
    } else if (value.isArray()) {
      value.forEach(item -> walk(item, schema.get("items")));
    }
  }
}
