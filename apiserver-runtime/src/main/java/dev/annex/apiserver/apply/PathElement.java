package dev.annex.apiserver.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One step of a field path: a field name ({@code f:}), a map-list key ({@code k:}), a set-list
 * value ({@code v:}) or a list index ({@code i:}). Ordered as structured-merge-diff orders them,
 * because FieldsV1 is written in that order and conflicts are listed in it.
 */
public sealed interface PathElement extends Comparable<PathElement> {

  ObjectMapper JSON = new ObjectMapper();

  /** The FieldsV1 key, e.g. {@code f:spec}, {@code k:{"name":"http"}}, {@code v:"a"}, {@code i:0}. */
  String fieldsV1Key();

  /** A field of a struct or a key of a granular map. */
  record Field(String name) implements PathElement {
    @Override
    public String fieldsV1Key() {
      return "f:" + name;
    }

    @Override
    public String toString() {
      return "." + name;
    }
  }

  /** A map-list item, named by its key fields (sorted by name, as upstream sorts them). */
  record Key(List<KeyField> fields) implements PathElement {
    public Key {
      fields = fields.stream().sorted(Comparator.comparing(KeyField::name)).toList();
    }

    @Override
    public String fieldsV1Key() {
      StringBuilder sb = new StringBuilder("k:{");
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        Values.quoteJson(fields.get(i).name(), sb);
        sb.append(':').append(Values.toJson(fields.get(i).value()));
      }
      return sb.append('}').toString();
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      for (KeyField f : fields) {
        parts.add(f.name() + "=" + Values.print(f.value()));
      }
      return "[" + String.join(",", parts) + "]";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && compareTo(k) == 0;
    }

    @Override
    public int hashCode() {
      return fields.stream().mapToInt(f -> f.name().hashCode()).sum();
    }
  }

  record KeyField(String name, JsonNode value) {
  }

  /** A set-list item, named by its value. */
  record Value(JsonNode value) implements PathElement {
    @Override
    public String fieldsV1Key() {
      return "v:" + Values.toJson(value);
    }

    @Override
    public String toString() {
      return "[=" + Values.print(value) + "]";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Value v && Values.equal(value, v.value);
    }

    @Override
    public int hashCode() {
      return value.isNumber() ? Double.hashCode(value.asDouble()) : value.hashCode();
    }
  }

  /** A list position; only read from FieldsV1 written by others (CRD lists never produce it). */
  record Index(int index) implements PathElement {
    @Override
    public String fieldsV1Key() {
      return "i:" + index;
    }

    @Override
    public String toString() {
      return "[" + index + "]";
    }
  }

  /** Field names first, then keys, values, indexes; each among its kind by content. */
  @Override
  default int compareTo(PathElement o) {
    int r = Integer.compare(rank(this), rank(o));
    if (r != 0) {
      return r;
    }
    if (this instanceof Field a && o instanceof Field b) {
      return a.name().compareTo(b.name());
    }
    if (this instanceof Key a && o instanceof Key b) {
      for (int i = 0; ; i++) {
        if (i >= a.fields().size() && i >= b.fields().size()) {
          return 0;
        }
        if (i >= a.fields().size()) {
          return -1;
        }
        if (i >= b.fields().size()) {
          return 1;
        }
        int c = a.fields().get(i).name().compareTo(b.fields().get(i).name());
        if (c != 0) {
          return c;
        }
        c = Values.compare(a.fields().get(i).value(), b.fields().get(i).value());
        if (c != 0) {
          return c;
        }
      }
    }
    if (this instanceof Value a && o instanceof Value b) {
      return Values.compare(a.value(), b.value());
    }
    return Integer.compare(((Index) this).index(), ((Index) o).index());
  }

  private static int rank(PathElement e) {
    if (e instanceof Field) {
      return 0;
    }
    if (e instanceof Key) {
      return 1;
    }
    return e instanceof Value ? 2 : 3;
  }

  /**
   * Reads one FieldsV1 key. Unknown prefixes yield {@code null}: upstream skips them, so that a
   * future element type does not make older servers refuse the object.
   */
  static PathElement parse(String key) {
    if (key.length() < 2 || key.charAt(1) != ':') {
      return null;
    }
    String rest = key.substring(2);
    try {
      switch (key.charAt(0)) {
        case 'f':
          return new Field(rest);
        case 'v':
          return new Value(JSON.readTree(rest));
        case 'i':
          return new Index(Integer.parseInt(rest));
        case 'k': {
          JsonNode obj = JSON.readTree(rest);
          if (obj == null || !obj.isObject()) {
            throw new IllegalArgumentException("key element " + key + " is not a JSON object");
          }
          List<KeyField> fields = new ArrayList<>();
          for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) obj::fields) {
            fields.add(new KeyField(e.getKey(), e.getValue()));
          }
          return new Key(fields);
        }
        default:
          return null;
      }
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new IllegalArgumentException("parsing path element " + key + ": " + e.getMessage(), e);
    }
  }
}
