package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

/**
 * The one schema check the recordings need from kube-apiserver's CRD validation: a JSON null in a
 * typed, non-nullable field (which an apply can leave behind, as upstream's does) is a 422.
 */
final class CrdValidation {

  private CrdValidation() {
  }

  static ObjectNode refuseNulls(ObjectNode obj, JsonNode schema) {
    String bad = firstNull(obj, schema, "");
    if (bad != null) {
      String field = bad.substring(0, bad.indexOf('|'));
      String type = bad.substring(bad.indexOf('|') + 1);
      String msg = "Invalid value: \"null\": " + field + " in body must be of type " + type + ": \"null\"";
      String name = obj.path("metadata").path("name").asText();
      throw new StatusException(422, "Invalid", obj.path("kind").asText() + ".wardle.example.com \"" + name
          + "\" is invalid: " + field + ": " + msg, null);
    }
    return obj;
  }

  private static String firstNull(JsonNode value, JsonNode schema, String path) {
    if (value == null || schema == null) {
      return null;
    }
    if (value.isNull()) {
      return schema.has("type") && !schema.path("nullable").asBoolean(false) ? path + "|" + schema.get("type").asText() : null;
    }
    if (value.isObject()) {
      for (var it = schema.path("properties").fields(); it.hasNext(); ) {
        var p = it.next();
        String found = firstNull(value.get(p.getKey()), p.getValue(), path.isEmpty() ? p.getKey() : path + "." + p.getKey());
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
