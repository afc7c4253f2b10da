package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.util.ArrayList;
import java.util.List;

/**
 * The one schema check the recordings need from kube-apiserver's CRD validation: a JSON null in a
 * typed, non-nullable field (which an apply can leave behind, as upstream's does) is a 422.
 */
final class CrdValidation {

  private CrdValidation() {
  }

  static ObjectNode refuseNulls(ObjectNode obj, JsonNode schema) {
    List<String> errors = new ArrayList<>();
    collectNulls(obj, schema, "", errors);
    if (!errors.isEmpty()) {
      String name = obj.path("metadata").path("name").asText();
      throw new StatusException(422, "Invalid", obj.path("kind").asText() + ".wardle.example.com \"" + name
          + "\" is invalid: " + (errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]"), null);
    }
    return obj;
  }

  private static void collectNulls(JsonNode value, JsonNode schema, String path, List<String> errors) {
    if (value == null || schema == null) {
      return;
    }
    if (value.isNull()) {
      if (schema.has("type") && !schema.path("nullable").asBoolean(false)) {
        errors.add(path + ": Invalid value: \"null\": " + path + " in body must be of type "
            + schema.get("type").asText() + ": \"null\"");
      }
    } else if (value.isObject()) {
      schema.path("properties").fields().forEachRemaining(p -> collectNulls(value.get(p.getKey()), p.getValue(),
          path.isEmpty() ? p.getKey() : path + "." + p.getKey(), errors));
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        collectNulls(value.get(i), schema.get("items"), path + "[" + i + "]", errors);
      }
    }
  }
}
