package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Label selectors ({@code a=b, a!=b, a in (x,y), a notin (x), a, !a}) and the field selectors a
 * custom resource supports ({@code metadata.name}, {@code metadata.namespace} with =, ==, !=).
 */
final class Selectors {

  private static final Pattern SET = Pattern.compile("\\s*([^\\s!=,()]+)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*");
  private static final Pattern EQ = Pattern.compile("\\s*([^\\s!=,()]+)\\s*(==|=|!=)\\s*([^\\s!=,()]*)\\s*");
  private static final Pattern EXISTS = Pattern.compile("\\s*(!?)\\s*([^\\s!=,()]+)\\s*");

  private Selectors() {
  }

  /** Null when neither selector selects anything. */
  static Predicate<ObjectNode> parse(String labelSelector, String fieldSelector) {
    List<Predicate<ObjectNode>> all = new ArrayList<>();
    if (labelSelector != null && !labelSelector.isBlank()) {
      for (String req : splitTopLevel(labelSelector)) {
        all.add(labelRequirement(req));
      }
    }
    if (fieldSelector != null && !fieldSelector.isBlank()) {
      for (String req : splitTopLevel(fieldSelector)) {
        all.add(fieldRequirement(req));
      }
    }
    return all.isEmpty() ? null : o -> all.stream().allMatch(p -> p.test(o));
  }

  private static List<String> splitTopLevel(String s) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }

  private static Predicate<ObjectNode> labelRequirement(String req) {
    Matcher m = SET.matcher(req);
    if (m.matches()) {
      String key = m.group(1);
      Set<String> values = Set.copyOf(List.of(m.group(3).trim().split("\\s*,\\s*")));
      boolean in = m.group(2).equals("in");
      return o -> {
        JsonNode v = o.path("metadata").path("labels").get(key);
        return in ? v != null && values.contains(v.asText()) : v == null || !values.contains(v.asText());
      };
    }
    m = EQ.matcher(req);
    if (m.matches()) {
      String key = m.group(1);
      String value = m.group(3);
      boolean equal = !m.group(2).equals("!=");
      return o -> {
        JsonNode v = o.path("metadata").path("labels").get(key);
        return equal ? v != null && v.asText().equals(value) : v == null || !v.asText().equals(value);
      };
    }
    m = EXISTS.matcher(req);
    if (m.matches()) {
      String key = m.group(2);
      boolean exists = m.group(1).isEmpty();
      return o -> o.path("metadata").path("labels").has(key) == exists;
    }
    throw StatusException.badRequest("unable to parse requirement: found '" + req.trim() + "', expected: identifier");
  }

  private static Predicate<ObjectNode> fieldRequirement(String req) {
    Matcher m = EQ.matcher(req);
    if (!m.matches()) {
      throw StatusException.badRequest("invalid selector: '" + req.trim() + "'; can't understand '" + req.trim() + "'");
    }
    String field = m.group(1);
    String value = m.group(3);
    boolean equal = !m.group(2).equals("!=");
    String metaField = switch (field) {
      case "metadata.name" -> "name";
      case "metadata.namespace" -> "namespace";
      default -> throw StatusException.badRequest("\"" + field
          + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    };
    return o -> o.path("metadata").path(metaField).asText("").equals(value) == equal;
  }
}
