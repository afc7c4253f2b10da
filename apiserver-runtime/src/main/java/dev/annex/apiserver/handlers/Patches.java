package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** RFC 6902 JSON patch and RFC 7386 merge patch on JSON trees (the target is a copy it may change). */
final class Patches {

  private Patches() {
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : Bodies.JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }

  static JsonNode applyJsonPatch(JsonNode target, JsonNode operations) {
    JsonNode doc = target;
    for (JsonNode op : operations) {
      String kind = op.path("op").asText("");
      String path = op.path("path").asText(null);
      if (path == null) {
        throw invalid("missing path in operation " + op);
      }
      switch (kind) {
        case "add" -> doc = add(doc, path, value(op));
        case "remove" -> {
          remove(doc, path);
        }
        case "replace" -> {
          if (path.isEmpty()) {
            doc = value(op).deepCopy();
          } else {
            get(doc, path);
            remove(doc, path);
            doc = add(doc, path, value(op));
          }
        }
        case "move" -> {
          JsonNode v = get(doc, from(op));
          remove(doc, from(op));
          doc = add(doc, path, v);
        }
        case "copy" -> doc = add(doc, path, get(doc, from(op)).deepCopy());
        case "test" -> {
          if (!get(doc, path).equals(value(op))) {
            throw invalid("testing value " + path + " failed");
          }
        }
        default -> throw StatusException.badRequest("Unexpected kind: " + kind);
      }
    }
    return doc;
  }

  private static JsonNode value(JsonNode op) {
    if (!op.has("value")) {
      throw invalid("missing value in operation " + op);
    }
    return op.get("value");
  }

  private static String from(JsonNode op) {
    if (!op.hasNonNull("from")) {
      throw invalid("missing from in operation " + op);
    }
    return op.get("from").asText();
  }

  private static List<String> tokens(String pointer) {
    if (pointer.isEmpty()) {
      return List.of();
    }
    if (!pointer.startsWith("/")) {
      throw invalid("JSON pointer " + pointer + " must start with /");
    }
    List<String> out = new ArrayList<>();
    for (String t : pointer.substring(1).split("/", -1)) {
      out.add(t.replace("~1", "/").replace("~0", "~"));
    }
    return out;
  }

  private static JsonNode get(JsonNode doc, String pointer) {
    JsonNode node = doc;
    for (String t : tokens(pointer)) {
      node = child(node, t);
      if (node == null) {
        throw invalid("doc is missing path: \"" + pointer + "\": missing value");
      }
    }
    return node;
  }

  private static JsonNode child(JsonNode node, String token) {
    if (node.isObject()) {
      return node.get(token);
    }
    if (node.isArray()) {
      try {
        int i = Integer.parseInt(token);
        return i >= 0 && i < node.size() ? node.get(i) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static JsonNode add(JsonNode doc, String pointer, JsonNode value) {
    List<String> t = tokens(pointer);
    if (t.isEmpty()) {
      return value.deepCopy();
    }
    JsonNode parent = get(doc, parentOf(pointer, t));
    String last = t.get(t.size() - 1);
    if (parent.isObject()) {
      ((ObjectNode) parent).set(last, value.deepCopy());
    } else if (parent.isArray()) {
      ArrayNode array = (ArrayNode) parent;
      if (last.equals("-")) {
        array.add(value.deepCopy());
      } else {
        int i = index(last, array.size() + 1, pointer);
        array.insert(i, value.deepCopy());
      }
    } else {
      throw invalid("doc is missing path: \"" + pointer + "\": missing value");
    }
    return doc;
  }

  private static void remove(JsonNode doc, String pointer) {
    List<String> t = tokens(pointer);
    if (t.isEmpty()) {
      throw invalid("cannot remove the whole document");
    }
    JsonNode parent = get(doc, parentOf(pointer, t));
    String last = t.get(t.size() - 1);
    if (parent.isObject() && parent.has(last)) {
      ((ObjectNode) parent).remove(last);
    } else if (parent.isArray()) {
      ((ArrayNode) parent).remove(index(last, parent.size(), pointer));
    } else {
      throw invalid("Unable to remove nonexistent key: " + last + ": missing value");
    }
  }

  private static int index(String token, int bound, String pointer) {
    try {
      int i = Integer.parseInt(token);
      if (i < 0 || i >= bound) {
        throw new NumberFormatException();
      }
      return i;
    } catch (NumberFormatException e) {
      throw invalid("Unable to access invalid index: " + token + " in " + pointer);
    }
  }

  private static String parentOf(String pointer, List<String> tokens) {
    return pointer.substring(0, pointer.length() - tokens.get(tokens.size() - 1)
        .replace("~", "~0").replace("/", "~1").length() - 1);
  }

  /** kube-apiserver answers a patch that cannot apply with 422 and the patch library's text. */
  private static StatusException invalid(String message) {
    return new StatusException(422, "Invalid", message, null);
  }
}
