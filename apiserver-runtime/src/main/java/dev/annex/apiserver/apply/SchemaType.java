package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The shape structured-merge-diff sees in a structural schema: which maps are granular or atomic,
 * which lists are atomic, sets or maps keyed by which fields, and where values are untyped
 * ({@code x-kubernetes-preserve-unknown-fields}), whose type is deduced from the value itself.
 */
sealed interface SchemaType {

  /** An object: declared {@code fields} and, for other keys, {@code elementType} (null: none allowed). */
  record MapType(Map<String, SchemaType> fields, Map<String, JsonNode> defaults, SchemaType elementType,
                 boolean atomic) implements SchemaType {

    SchemaType typeOf(String key) {
      SchemaType t = fields.get(key);
      return t != null ? t : elementType;
    }
  }

  enum ListKind { ATOMIC, SET, MAP }

  /** An array; {@code keys} only for {@link ListKind#MAP}. */
  record ListType(SchemaType elementType, ListKind kind, List<String> keys) implements SchemaType {
  }

  enum ScalarKind { STRING, NUMERIC, BOOLEAN, UNTYPED }

  /** Strings, numbers, booleans, int-or-string: always a leaf; the kind is checked in applied configurations. */
  record Scalar(ScalarKind kind) implements SchemaType {
  }

  /** Untyped: a map is granular, a list atomic, anything else a scalar (SMD's __untyped_deduced_). */
  record Deduced() implements SchemaType {
  }

  SchemaType SCALAR = new Scalar(ScalarKind.UNTYPED);
  SchemaType STRING = new Scalar(ScalarKind.STRING);
  SchemaType DEDUCED = new Deduced();
  MapType DEDUCED_MAP = new MapType(Map.of(), Map.of(), DEDUCED, false);
  ListType DEDUCED_LIST = new ListType(DEDUCED, ListKind.ATOMIC, List.of());

  /** Resolves a deduced type against the value it describes. */
  static SchemaType resolve(SchemaType t, JsonNode value) {
    if (!(t instanceof Deduced)) {
      return t;
    }
    if (value != null && value.isObject()) {
      return DEDUCED_MAP;
    }
    if (value != null && value.isArray()) {
      return DEDUCED_LIST;
    }
    return SCALAR;
  }
}
