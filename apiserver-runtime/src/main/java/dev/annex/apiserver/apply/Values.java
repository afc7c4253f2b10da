package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Equality, ordering, JSON and printed forms of JSON values as structured-merge-diff defines them,
 * so that set-list items and map-list keys sort, compare and print exactly as upstream's do.
 */
final class Values {

  private Values() {
  }

  /** Null and missing are both "no value" for the walkers. */
  static boolean absent(JsonNode n) {
    return n == null || n.isMissingNode();
  }

  /** Numbers compare by value (1 == 1.0), as SMD's value.Equals does; Jackson's equals would not. */
  static boolean equal(JsonNode a, JsonNode b) {
    return compare(a, b) == 0;
  }

  /** SMD's total order: floats/ints (numerically), then strings, bools, lists, maps, null. */
  static int compare(JsonNode a, JsonNode b) {
    int ra = rank(a), rb = rank(b);
    if (ra != rb) {
      return Integer.compare(ra, rb);
    }
    switch (ra) {
      case 0:
        return Double.compare(a.asDouble(), b.asDouble()) == 0 && a.isIntegralNumber() && b.isIntegralNumber()
            ? a.bigIntegerValue().compareTo(b.bigIntegerValue())
            : Double.compare(a.asDouble(), b.asDouble());
      case 1:
        return a.textValue().compareTo(b.textValue());
      case 2:
        return Boolean.compare(a.booleanValue(), b.booleanValue());
      case 3: {
        for (int i = 0; ; i++) {
          if (i >= a.size() && i >= b.size()) {
            return 0;
          }
          if (i >= a.size()) {
            return -1;
          }
          if (i >= b.size()) {
            return 1;
          }
          int c = compare(a.get(i), b.get(i));
          if (c != 0) {
            return c;
          }
        }
      }
      case 4: {
        List<String> ka = sortedKeys(a), kb = sortedKeys(b);
        for (int i = 0; ; i++) {
          if (i >= ka.size() && i >= kb.size()) {
            return 0;
          }
          if (i >= ka.size()) {
            return -1;
          }
          if (i >= kb.size()) {
            return 1;
          }
          int c = ka.get(i).compareTo(kb.get(i));
          if (c != 0) {
            return c;
          }
          c = compare(a.get(ka.get(i)), b.get(kb.get(i)));
          if (c != 0) {
            return c;
          }
        }
      }
      default:
        return 0;
    }
  }

  private static int rank(JsonNode n) {
    if (n.isNumber()) {
      return 0;
    }
    if (n.isTextual()) {
      return 1;
    }
    if (n.isBoolean()) {
      return 2;
    }
    if (n.isArray()) {
      return 3;
    }
    if (n.isObject()) {
      return 4;
    }
    return 5;
  }

  static List<String> sortedKeys(JsonNode object) {
    List<String> keys = new ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    keys.sort(null);
    return keys;
  }

  /**
   * Compact JSON as Go's encoding/json writes it: map keys sorted, and {@code <}, {@code >},
   * {@code &}, U+2028, U+2029 escaped (the FieldsV1 keys {@code v:} and {@code k:} embed this form).
   */
  static String toJson(JsonNode n) {
    StringBuilder sb = new StringBuilder();
    writeJson(n, sb);
    return sb.toString();
  }

  private static void writeJson(JsonNode n, StringBuilder sb) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      sb.append("null");
    } else if (n.isTextual()) {
      quoteJson(n.textValue(), sb);
    } else if (n.isArray()) {
      sb.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        writeJson(n.get(i), sb);
      }
      sb.append(']');
    } else if (n.isObject()) {
      sb.append('{');
      boolean first = true;
      for (String k : sortedKeys(n)) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quoteJson(k, sb);
        sb.append(':');
        writeJson(n.get(k), sb);
      }
      sb.append('}');
    } else {
      sb.append(n.asText());
    }
  }

  /** Compact JSON keeping the object's own key order (FieldsV1 has an order of its own). */
  static String toJsonInsertionOrder(JsonNode n) {
    if (!n.isObject()) {
      return toJson(n);
    }
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) n::fields) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      quoteJson(e.getKey(), sb);
      sb.append(':').append(toJsonInsertionOrder(e.getValue()));
    }
    return sb.append('}').toString();
  }

  static void quoteJson(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** SMD's value.ToString, used in printed paths ({@code [name="http"]}, {@code [="a"]}). */
  static String print(JsonNode n) {
    if (n == null || n.isNull()) {
      return "null";
    }
    if (n.isTextual()) {
      return goQuote(n.textValue());
    }
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      n.forEach(e -> parts.add(print(e)));
      return "[" + String.join(",", parts) + "]";
    }
    if (n.isObject()) {
      List<String> parts = new ArrayList<>();
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        parts.add(e.getKey() + "=" + print(e.getValue()));
      }
      return "{" + String.join(",", parts) + "}";
    }
    return n.asText();
  }

  /** Go's %q for the strings keys usually hold (printable text, quotes and backslashes escaped). */
  static String goQuote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
