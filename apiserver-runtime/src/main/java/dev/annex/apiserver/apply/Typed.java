package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The typed walks of structured-merge-diff over Jackson trees: the field set of a value, the
 * comparison of two values, their merge, and the removal of a set of fields. Values may be
 * {@code null} (absent); lists and maps empty on both sides are leaves, as upstream, so that
 * {@code {}} and {@code []} are owned as a whole.
 */
final class Typed {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Typed() {
  }

  /** What changed from {@code lhs} to {@code rhs}, as three field sets. */
  record Comparison(FieldSet added, FieldSet modified, FieldSet removed) {
    Comparison filter(java.util.function.UnaryOperator<FieldSet> ignore) {
      return new Comparison(ignore.apply(added), ignore.apply(modified), ignore.apply(removed));
    }
  }

  // ---- list items ----

  /** The path element naming a set or map list item; strict for applied configurations. */
  static PathElement itemElement(SchemaType.ListType t, JsonNode item, FieldPath at) {
    if (t.kind() == SchemaType.ListKind.SET) {
      if (item == null || item.isObject() || item.isArray()) {
        throw new TypedException(at, "associative list without keys has an element that's a "
            + (item != null && item.isArray() ? "list" : "map") + " type");
      }
      return new PathElement.Value(item);
    }
    if (item == null || item.isNull()) {
      throw new TypedException(at, "associative list with keys may not have a null element");
    }
    if (!item.isObject()) {
      throw new TypedException(at, "associative list with keys may not have non-map elements");
    }
    Map<String, JsonNode> defaults = t.elementType() instanceof SchemaType.MapType m ? m.defaults() : Map.of();
    List<PathElement.KeyField> key = new ArrayList<>();
    for (String k : t.keys()) {
      JsonNode v = item.get(k);
      if (v == null) {
        v = defaults.get(k);
      }
      if (v != null) {
        // A key field missing without a default is left out of the key: kube-apiserver's answer to
        // such an apply is the schema's 422 ("Required value"), not a merge error.
        key.add(new PathElement.KeyField(k, v));
      }
    }
    return new PathElement.Key(key);
  }

  private static boolean associative(SchemaType t) {
    return t instanceof SchemaType.ListType l && l.kind() != SchemaType.ListKind.ATOMIC;
  }

  // ---- field sets ----

  /**
   * The fields a value sets. {@code strict}: unknown fields and duplicate list keys are errors, as
   * for an applied configuration; live objects are read leniently (unknown fields as untyped).
   */
  static FieldSet toFieldSet(JsonNode value, SchemaType type, boolean strict) {
    FieldSet s = new FieldSet();
    toFieldSet(value, type, new FieldPath(List.of()), s, strict);
    return s;
  }

  private static void toFieldSet(JsonNode v, SchemaType type, FieldPath path, FieldSet out, boolean strict) {
    SchemaType t = SchemaType.resolve(type, v);
    if (t instanceof SchemaType.ListType l) {
      if (l.kind() == SchemaType.ListKind.ATOMIC) {
        out.insert(path);
        return;
      }
      if (v == null || !v.isArray()) {
        return;
      }
      Set<PathElement> seen = new HashSet<>();
      for (JsonNode item : v) {
        PathElement pe = itemElement(l, item, path);
        if (!seen.add(pe) && strict) {
          throw new TypedException(path, "duplicate entries for key " + pe);
        }
        FieldPath child = path.child(pe);
        toFieldSet(item, l.elementType(), child, out, strict);
        out.insert(child);
      }
    } else if (t instanceof SchemaType.MapType m) {
      if (m.atomic()) {
        out.insert(path);
        return;
      }
      if (v == null || !v.isObject()) {
        return;
      }
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) v::fields) {
        FieldPath child = path.child(new PathElement.Field(e.getKey()));
        SchemaType ct = m.typeOf(e.getKey());
        if (ct == null) {
          if (strict) {
            throw new TypedException(child, "field not declared in schema");
          }
          ct = SchemaType.DEDUCED;
        }
        toFieldSet(e.getValue(), ct, child, out, strict);
        JsonNode val = e.getValue();
        // A key is a member when it holds null or {}, or is not a declared field (a map key).
        if (val.isNull() || (val.isObject() && val.isEmpty()) || !m.fields().containsKey(e.getKey())) {
          out.insert(child);
        }
      }
    } else {
      if (strict && t instanceof SchemaType.Scalar sc) {
        checkScalar(sc, v, path);
      }
      out.insert(path);
    }
  }

  /** SMD's validateScalar, with its messages (Go's %#v, %T and %v of the offending value). */
  private static void checkScalar(SchemaType.Scalar t, JsonNode v, FieldPath path) {
    if (v == null || v.isNull()) {
      return;
    }
    switch (t.kind()) {
      case STRING -> {
        if (!v.isTextual()) {
          throw new TypedException(path, "expected string, got &value.valueUnstructured{Value:" + goSharpV(v) + "}");
        }
      }
      case NUMERIC -> {
        if (!v.isNumber()) {
          throw new TypedException(path, "expected numeric (int or float), got " + goType(v));
        }
      }
      case BOOLEAN -> {
        if (!v.isBoolean()) {
          throw new TypedException(path, "expected boolean, got &{" + (v.isTextual() ? v.textValue() : goSharpV(v)) + "}");
        }
      }
      default -> {
      }
    }
  }

  private static String goType(JsonNode v) {
    if (v.isTextual()) {
      return "string";
    }
    if (v.isBoolean()) {
      return "bool";
    }
    return v.isObject() ? "map[string]interface {}" : "[]interface {}";
  }

  private static String goSharpV(JsonNode v) {
    if (v.isTextual()) {
      return Values.goQuote(v.textValue());
    }
    if (v.isObject()) {
      List<String> parts = new ArrayList<>();
      for (String k : Values.sortedKeys(v)) {
        parts.add(Values.goQuote(k) + ":" + goSharpV(v.get(k)));
      }
      return "map[string]interface {}{" + String.join(", ", parts) + "}";
    }
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.forEach(e -> parts.add(goSharpV(e)));
      return "[]interface {}{" + String.join(", ", parts) + "}";
    }
    return v.isNull() ? "interface {}(nil)" : v.asText();
  }

  /** Adds as members the declared struct fields that only have children (SMD's EnsureNamedFieldsAreMembers). */
  static FieldSet ensureNamedFieldsAreMembers(FieldSet s, SchemaType type) {
    FieldSet r = new FieldSet();
    for (PathElement m : s.memberElements()) {
      r.addMember(m);
    }
    for (Map.Entry<PathElement, FieldSet> c : s.childSets().entrySet()) {
      PathElement pe = c.getKey();
      SchemaType childType = SchemaType.DEDUCED;
      if (pe instanceof PathElement.Field f && type instanceof SchemaType.MapType m) {
        if (m.fields().containsKey(f.name())) {
          r.addMember(pe);
        }
        SchemaType ct = m.typeOf(f.name());
        childType = ct == null ? SchemaType.DEDUCED : ct;
      } else if (type instanceof SchemaType.ListType l) {
        childType = l.elementType();
      }
      r.putChild(pe, ensureNamedFieldsAreMembers(c.getValue(), childType instanceof SchemaType.Deduced
          ? SchemaType.DEDUCED_MAP : childType));
    }
    return r;
  }

  // ---- compare and merge ----

  static Comparison compare(JsonNode lhs, JsonNode rhs, SchemaType type) {
    Comparison c = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
    new Merger(c).merge(lhs, rhs, type, new FieldPath(List.of()));
    return c;
  }

  /** The applied configuration {@code rhs} merged into {@code lhs}. */
  static JsonNode merge(JsonNode lhs, JsonNode rhs, SchemaType type) {
    return new Merger(null).merge(lhs, rhs, type, new FieldPath(List.of()));
  }

  /** One walk serves both: with a comparison it records changes, and always builds the merge. */
  private static final class Merger {
    private final Comparison cmp;

    Merger(Comparison cmp) {
      this.cmp = cmp;
    }

    JsonNode merge(JsonNode lhs, JsonNode rhs, SchemaType type, FieldPath path) {
      // An untyped null takes the shape of the other side (SMD deduces nothing from it), so a map
      // replaced by null is a map whose entries were removed, not a changed leaf.
      boolean rhsValued = rhs != null && !rhs.isNull();
      boolean lhsValued = lhs != null && !lhs.isNull();
      SchemaType t = SchemaType.resolve(type, rhsValued || !lhsValued ? rhs : lhs);
      if (lhsValued && rhsValued && type instanceof SchemaType.Deduced) {
        SchemaType lt = SchemaType.resolve(type, lhs);
        if (lt != t) {
          // An untyped value changing shape: SMD walks it as the live shape (recording changes,
          // output dropped), then as the applied shape; e.g. 1 -> {z: 1} is x modified, x.z added.
          mergeShaped(type, lt, lhs, rhs, path);
        }
      }
      return mergeShaped(type, t, lhs, rhs, path);
    }

    /** One shape's walk; a side of another shape counts as having no items (SMD's listValue/mapValue). */
    private JsonNode mergeShaped(SchemaType type, SchemaType t, JsonNode lhs, JsonNode rhs, FieldPath path) {
      boolean deduced = type instanceof SchemaType.Deduced;
      JsonNode out;
      if (t instanceof SchemaType.ListType l) {
        if (!deduced && (!arrayOrAbsent(lhs) || !arrayOrAbsent(rhs))) {
          return leaf(lhs, rhs, path);
        }
        boolean bothEmpty = emptyOrAbsent(lhs, true) && emptyOrAbsent(rhs, true);
        if (l.kind() == SchemaType.ListKind.ATOMIC || bothEmpty) {
          return leaf(lhs, rhs, path);
        }
        out = mergeList(l, lhs, rhs, path);
      } else if (t instanceof SchemaType.MapType m) {
        if (!deduced && (!objectOrAbsent(lhs) || !objectOrAbsent(rhs))) {
          return leaf(lhs, rhs, path);
        }
        boolean bothEmpty = emptyOrAbsent(lhs, false) && emptyOrAbsent(rhs, false);
        if (m.atomic() || bothEmpty) {
          return leaf(lhs, rhs, path);
        }
        out = mergeMap(m, lhs, rhs, path);
      } else {
        return leaf(lhs, rhs, path);
      }
      if (cmp != null && !path.elements().isEmpty()) {
        if (lhs == null) {
          cmp.added().insert(path);
        } else if (rhs == null) {
          cmp.removed().insert(path);
        }
      }
      return out;
    }

    private JsonNode leaf(JsonNode lhs, JsonNode rhs, FieldPath path) {
      if (cmp != null) {
        if (lhs == null) {
          cmp.added().insert(path);
        } else if (rhs == null) {
          cmp.removed().insert(path);
        } else if (!Values.equal(lhs, rhs)) {
          cmp.modified().insert(path);
        }
      }
      return rhs != null ? rhs : lhs;
    }

    private JsonNode mergeMap(SchemaType.MapType m, JsonNode lhs, JsonNode rhs, FieldPath path) {
      ObjectNode out = F.objectNode();
      if (lhs != null && lhs.isObject()) {
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) lhs::fields) {
          JsonNode r = rhs != null && rhs.isObject() ? rhs.get(e.getKey()) : null;
          JsonNode v = merge(e.getValue(), r, typeOf(m, e.getKey()), path.child(new PathElement.Field(e.getKey())));
          if (v != null) {
            out.set(e.getKey(), v);
          }
        }
      }
      if (rhs != null && rhs.isObject()) {
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) rhs::fields) {
          if (lhs != null && lhs.isObject() && lhs.has(e.getKey())) {
            continue;
          }
          JsonNode v = merge(null, e.getValue(), typeOf(m, e.getKey()), path.child(new PathElement.Field(e.getKey())));
          if (v != null) {
            out.set(e.getKey(), v);
          }
        }
      }
      return out;
    }

    /**
     * Upstream's order: the applied items keep their order; live-only items stay where they were
     * relative to the items both sides share.
     */
    private JsonNode mergeList(SchemaType.ListType t, JsonNode lhs, JsonNode rhs, FieldPath path) {
      List<PathElement> lpes = new ArrayList<>();
      Map<PathElement, JsonNode> lobs = index(t, lhs, path, lpes);
      List<PathElement> rpes = new ArrayList<>();
      Map<PathElement, JsonNode> robs = index(t, rhs, path, rpes);

      List<PathElement> shared = new ArrayList<>();
      for (PathElement pe : rpes) {
        if (lobs.containsKey(pe)) {
          shared.add(pe);
        }
      }
      int sharedAt = 0;
      PathElement nextShared = shared.isEmpty() ? null : shared.get(sharedAt++);
      Set<PathElement> mergedRhs = new HashSet<>();
      ArrayNode out = F.arrayNode();
      int li = 0, ri = 0;
      while (li < lpes.size() || ri < rpes.size()) {
        if (li < lpes.size() && ri < rpes.size()) {
          PathElement pe = lpes.get(li);
          if (pe.equals(rpes.get(ri))) {
            mergedRhs.add(pe);
            add(out, merge(lobs.get(pe), robs.get(pe), t.elementType(), path.child(pe)));
            li++;
            ri++;
            nextShared = sharedAt < shared.size() ? shared.get(sharedAt++) : null;
            continue;
          }
          if (robs.containsKey(pe) && nextShared != null && !nextShared.equals(pe)) {
            li++;
            continue;
          }
        }
        if (li < lpes.size()) {
          PathElement pe = lpes.get(li);
          if (!robs.containsKey(pe)) {
            add(out, merge(lobs.get(pe), null, t.elementType(), path.child(pe)));
            li++;
            continue;
          } else if (mergedRhs.contains(pe)) {
            li++;
            continue;
          }
        }
        if (ri < rpes.size()) {
          PathElement pe = rpes.get(ri);
          mergedRhs.add(pe);
          add(out, merge(lobs.get(pe), robs.get(pe), t.elementType(), path.child(pe)));
          ri++;
          if (nextShared != null && nextShared.equals(pe)) {
            nextShared = sharedAt < shared.size() ? shared.get(sharedAt++) : null;
          }
        }
      }
      return out;
    }

    private static void add(ArrayNode out, JsonNode v) {
      if (v != null) {
        out.add(v);
      }
    }

    /** Item keys in order; a repeated key keeps its first item (live objects may hold duplicates). */
    private static Map<PathElement, JsonNode> index(SchemaType.ListType t, JsonNode list, FieldPath path,
                                                    List<PathElement> order) {
      Map<PathElement, JsonNode> m = new HashMap<>();
      if (list == null || !list.isArray()) {
        return m;
      }
      for (JsonNode item : list) {
        PathElement pe = itemElement(t, item, path);
        if (m.putIfAbsent(pe, item) == null) {
          order.add(pe);
        }
      }
      return m;
    }
  }

  private static SchemaType typeOf(SchemaType.MapType m, String key) {
    SchemaType t = m.typeOf(key);
    return t == null ? SchemaType.DEDUCED : t;
  }

  /** No items: absent, null, empty, or of another shape (which the walk of this shape cannot read). */
  private static boolean emptyOrAbsent(JsonNode n, boolean array) {
    return n == null || !(array ? n.isArray() : n.isObject()) || n.isEmpty();
  }

  private static boolean arrayOrAbsent(JsonNode n) {
    return n == null || n.isNull() || n.isArray();
  }

  private static boolean objectOrAbsent(JsonNode n) {
    return n == null || n.isNull() || n.isObject();
  }

  // ---- removal ----

  /**
   * {@code value} without the fields in {@code toRemove} (SMD's RemoveItems). Returns null when
   * nothing is left of a map or list; the parent then holds a JSON null there, exactly as upstream
   * (kube-apiserver then refuses a non-nullable field with a 422, and so must the registry here).
   */
  static JsonNode removeItems(JsonNode value, SchemaType type, FieldSet toRemove) {
    if (value == null || toRemove.isEmpty()) {
      return value;
    }
    SchemaType t = SchemaType.resolve(type, value);
    if (t instanceof SchemaType.ListType l) {
      if (!value.isArray() || value.isEmpty()) {
        return value.isArray() ? null : value;
      }
      if (l.kind() == SchemaType.ListKind.ATOMIC) {
        return null;
      }
      ArrayNode out = F.arrayNode();
      for (JsonNode item : value) {
        PathElement pe = itemElement(l, item, new FieldPath(List.of()));
        if (toRemove.hasMember(pe)) {
          continue;
        }
        FieldSet sub = toRemove.withPrefix(pe);
        JsonNode kept = sub.isEmpty() ? item : removeItems(item, l.elementType(), sub);
        out.add(kept == null ? F.nullNode() : kept);
      }
      return out.isEmpty() ? null : out;
    }
    if (t instanceof SchemaType.MapType m) {
      if (!value.isObject() || value.isEmpty()) {
        return value.isObject() ? null : value;
      }
      if (m.atomic()) {
        return null;
      }
      ObjectNode out = F.objectNode();
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
        PathElement pe = new PathElement.Field(e.getKey());
        if (toRemove.hasMember(pe)) {
          continue;
        }
        FieldSet sub = toRemove.withPrefix(pe);
        JsonNode kept = sub.isEmpty() ? e.getValue() : removeItems(e.getValue(), typeOf(m, e.getKey()), sub);
        out.set(e.getKey(), kept == null ? F.nullNode() : kept);
      }
      return out.isEmpty() ? null : out;
    }
    return value;
  }
}
