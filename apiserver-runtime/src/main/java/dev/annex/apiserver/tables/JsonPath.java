package dev.annex.apiserver.tables;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of client-go's JSONPath that printer columns use: {@code .spec.x},
 * {@code .metadata.labels.foo}, {@code ['a.b']} and {@code ["a.b"]} keys, {@code [0]},
 * {@code [-1]}, {@code [*]} and {@code .*}; an optional {@code {...}} wrapper. Missing keys yield no
 * result (columns allow missing keys), never an error.
 */
public final class JsonPath {

  private sealed interface Step permits Field, Index, Wildcard {
  }

  private record Field(String name) implements Step {
  }

  private record Index(int index) implements Step {
  }

  private record Wildcard() implements Step {
  }

  private final String expression;
  private final List<Step> steps;

  private JsonPath(String expression, List<Step> steps) {
    this.expression = expression;
    this.steps = steps;
  }

  /** @throws IllegalArgumentException when the path uses syntax outside the supported subset */
  public static JsonPath parse(String expression) {
    String p = expression.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1).trim();
    }
    if (p.startsWith("$")) {
      p = p.substring(1);
    }
    List<Step> steps = new ArrayList<>();
    int i = 0;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '.') {
        int start = ++i;
        if (i < p.length() && p.charAt(i) == '*') {
          steps.add(new Wildcard());
          i++;
          continue;
        }
        while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
          i++;
        }
        if (i > start) {
          steps.add(new Field(p.substring(start, i)));
        }
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed [ in " + expression);
        }
        String inner = p.substring(i + 1, end).trim();
        if (inner.startsWith("'") || inner.startsWith("\"")) {
          // A quoted key may hold dots and brackets: read up to the matching quote, then the ].
          char quote = inner.charAt(0);
          int open = p.indexOf(quote, i);
          int close = p.indexOf(quote, open + 1);
          end = close < 0 ? -1 : p.indexOf(']', close);
          if (end < 0) {
            throw new IllegalArgumentException("unterminated quoted key in " + expression);
          }
          steps.add(new Field(p.substring(open + 1, close)));
        } else if (inner.equals("*")) {
          steps.add(new Wildcard());
        } else {
          try {
            steps.add(new Index(Integer.parseInt(inner)));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unsupported subscript [" + inner + "] in " + expression);
          }
        }
        i = end + 1;
      } else {
        int start = i;
        while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
          i++;
        }
        steps.add(new Field(p.substring(start, i)));
      }
    }
    return new JsonPath(expression, List.copyOf(steps));
  }

  public String expression() {
    return expression;
  }

  /** Every value the path reaches, in document order; empty when a key or index is missing. */
  public List<JsonNode> find(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (Step step : steps) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        if (step instanceof Field f) {
          if (node.isObject() && node.has(f.name())) {
            next.add(node.get(f.name()));
          }
        } else if (step instanceof Index x) {
          if (node.isArray()) {
            int index = x.index() < 0 ? node.size() + x.index() : x.index();
            if (index >= 0 && index < node.size()) {
              next.add(node.get(index));
            }
          }
        } else if (node.isArray() || node.isObject()) {
          node.elements().forEachRemaining(next::add);
        }
      }
      current = next;
    }
    return current;
  }
}
