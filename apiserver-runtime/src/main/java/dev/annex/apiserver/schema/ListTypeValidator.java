package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code x-kubernetes-list-type: set|map} uniqueness, as apiextensions' {@code listtype} package:
 * the second occurrence of a value (a set) or of a key (a map) is a {@code Duplicate value} error;
 * for a map the bad value is the object of its key fields.
 */
final class ListTypeValidator {

  private ListTypeValidator() {
  }

  static List<FieldError> validate(StructuralSchema s, JsonNode object) {
    List<FieldError> errors = new ArrayList<>();
    walk(s, object, "", errors);
    return errors;
  }

  private static void walk(StructuralSchema s, JsonNode x, String path, List<FieldError> errors) {
    if (s == null || x == null) {
      return;
    }
    if (x.isObject()) {
      x.fields().forEachRemaining(e -> {
        StructuralSchema prop = s.properties().get(e.getKey());
        String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (prop != null) {
          walk(prop, e.getValue(), child, errors);
        } else if (s.additionalSchema() != null) {
          walk(s.additionalSchema(), e.getValue(), child, errors);
        }
      });
    } else if (x.isArray()) {
      String listType = s.raw().path("x-kubernetes-list-type").asText("");
      if (listType.equals("set")) {
        for (int i : secondOccurrences(keysOf(x))) {
          errors.add(FieldError.duplicate(path + "[" + i + "]", x.get(i)));
        }
      } else if (listType.equals("map")) {
        listMap(s, x, path, errors);
      }
      for (int i = 0; i < x.size(); i++) {
        walk(s.items(), x.get(i), path + "[" + i + "]", errors);
      }
    }
  }

  private static List<String> keysOf(JsonNode array) {
    List<String> keys = new ArrayList<>();
    array.forEach(item -> keys.add(OpenApiValidator.jsonType(item) + ":" + GoText.json(item)));
    return keys;
  }

  /** Indices of every value's second occurrence (a third one is not reported again, as upstream). */
  private static List<Integer> secondOccurrences(List<String> keys) {
    Map<String, Integer> seen = new HashMap<>();
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      int times = seen.merge(keys.get(i), 1, Integer::sum);
      if (times == 2) {
        out.add(i);
      }
    }
    return out;
  }

  private static void listMap(StructuralSchema s, JsonNode array, String path, List<FieldError> errors) {
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      if (!item.isNull() && !item.isObject()) {
        errors.add(FieldError.invalid(path + "[" + i + "]", item, "must be an object for an array of list-type map"));
        return;
      }
    }
    List<String> keyFields = new ArrayList<>();
    s.raw().path("x-kubernetes-list-map-keys").forEach(k -> keyFields.add(k.asText()));
    List<ObjectNode> keyObjects = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (JsonNode item : array) {
      ObjectNode key = JsonNodeFactory.instance.objectNode();
      for (String field : keyFields) {
        if (item.has(field)) {
          key.set(field, item.get(field));
        }
      }
      keyObjects.add(key);
      keys.add(GoText.json(key));
    }
    for (int i : secondOccurrences(keys)) {
      errors.add(FieldError.duplicate(path + "[" + i + "]", keyObjects.get(i)));
    }
  }
}
