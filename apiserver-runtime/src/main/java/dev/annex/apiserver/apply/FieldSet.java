package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A set of field paths stored as a trie, as structured-merge-diff's fieldpath.Set: {@code members}
 * are paths in the set, {@code children} hold longer paths. Children are never empty, so equality
 * and emptiness are structural. Mutable for the builders; set operations return new sets.
 */
public final class FieldSet {

  private final TreeSet<PathElement> members = new TreeSet<>();
  private final TreeMap<PathElement, FieldSet> children = new TreeMap<>();

  public static FieldSet of(FieldPath... paths) {
    FieldSet s = new FieldSet();
    for (FieldPath p : paths) {
      s.insert(p);
    }
    return s;
  }

  public boolean isEmpty() {
    return members.isEmpty() && children.isEmpty();
  }

  public void insert(FieldPath path) {
    insert(path.elements(), 0);
  }

  private void insert(List<PathElement> es, int i) {
    if (i == es.size()) {
      return; // the root itself is never a member
    }
    if (i == es.size() - 1) {
      members.add(es.get(i));
    } else {
      children.computeIfAbsent(es.get(i), k -> new FieldSet()).insert(es, i + 1);
    }
  }

  public boolean has(FieldPath path) {
    FieldSet s = this;
    List<PathElement> es = path.elements();
    for (int i = 0; i < es.size() - 1; i++) {
      s = s.children.get(es.get(i));
      if (s == null) {
        return false;
      }
    }
    return !es.isEmpty() && s.members.contains(es.get(es.size() - 1));
  }

  boolean hasMember(PathElement pe) {
    return members.contains(pe);
  }

  /** The paths below {@code pe}, relative to it (SMD's WithPrefix). */
  FieldSet withPrefix(PathElement pe) {
    FieldSet c = children.get(pe);
    return c == null ? new FieldSet() : c;
  }

  Iterable<PathElement> memberElements() {
    return members;
  }

  Map<PathElement, FieldSet> childSets() {
    return children;
  }

  void addMember(PathElement pe) {
    members.add(pe);
  }

  void putChild(PathElement pe, FieldSet child) {
    if (!child.isEmpty()) {
      children.merge(pe, child, FieldSet::union);
    }
  }

  public FieldSet copy() {
    return union(new FieldSet());
  }

  public FieldSet union(FieldSet o) {
    FieldSet r = new FieldSet();
    r.members.addAll(members);
    r.members.addAll(o.members);
    children.forEach((pe, c) -> r.children.put(pe, c.copyDeep()));
    o.children.forEach((pe, c) -> r.children.merge(pe, c.copyDeep(), FieldSet::union));
    return r;
  }

  private FieldSet copyDeep() {
    FieldSet r = new FieldSet();
    r.members.addAll(members);
    children.forEach((pe, c) -> r.children.put(pe, c.copyDeep()));
    return r;
  }

  public FieldSet difference(FieldSet o) {
    FieldSet r = new FieldSet();
    for (PathElement m : members) {
      if (!o.members.contains(m)) {
        r.members.add(m);
      }
    }
    children.forEach((pe, c) -> {
      FieldSet oc = o.children.get(pe);
      r.putChild(pe, oc == null ? c.copyDeep() : c.difference(oc));
    });
    return r;
  }

  public FieldSet intersection(FieldSet o) {
    FieldSet r = new FieldSet();
    for (PathElement m : members) {
      if (o.members.contains(m)) {
        r.members.add(m);
      }
    }
    children.forEach((pe, c) -> {
      FieldSet oc = o.children.get(pe);
      if (oc != null) {
        r.putChild(pe, c.intersection(oc));
      }
    });
    return r;
  }

  /** Paths of this set not in {@code o} and not below a member of {@code o} (how resets filter). */
  public FieldSet recursiveDifference(FieldSet o) {
    FieldSet r = new FieldSet();
    for (PathElement m : members) {
      if (!o.members.contains(m)) {
        r.members.add(m);
      }
    }
    children.forEach((pe, c) -> {
      if (o.members.contains(pe)) {
        return;
      }
      FieldSet oc = o.children.get(pe);
      r.putChild(pe, oc == null ? c.copyDeep() : c.recursiveDifference(oc));
    });
    return r;
  }

  /** Every path, members before children, each in path-element order (upstream's Iterate). */
  public void forEachPath(Consumer<FieldPath> f) {
    forEachPath(new FieldPath(List.of()), f);
  }

  private void forEachPath(FieldPath prefix, Consumer<FieldPath> f) {
    for (PathElement m : members) {
      f.accept(prefix.child(m));
    }
    children.forEach((pe, c) -> c.forEachPath(prefix.child(pe), f));
  }

  public List<FieldPath> paths() {
    List<FieldPath> all = new ArrayList<>();
    forEachPath(all::add);
    return all;
  }

  // ---- FieldsV1 ----

  /**
   * The FieldsV1 object: {@code "."} first when a node is both a member and has children, a bare
   * member is {@code {}}. Keys are in lexical order, because kube-apiserver serves a custom resource
   * from an unstructured map whose JSON sorts keys ({@code v:20} before {@code v:3}); this differs
   * from structured-merge-diff's own element order only for numbers and indexes.
   */
  public ObjectNode toFieldsV1() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    writeContents(o, false);
    return o;
  }

  private void writeContents(ObjectNode o, boolean includeSelf) {
    if (includeSelf && !isEmpty()) {
      o.putObject(".");
    }
    TreeMap<String, PathElement> all = new TreeMap<>();
    members.forEach(pe -> all.put(pe.fieldsV1Key(), pe));
    children.keySet().forEach(pe -> all.put(pe.fieldsV1Key(), pe));
    for (PathElement pe : all.values()) {
      ObjectNode child = o.putObject(pe.fieldsV1Key());
      FieldSet c = children.get(pe);
      if (c != null) {
        c.writeContents(child, members.contains(pe));
      }
    }
  }

  /** The FieldsV1 JSON text exactly as kube-apiserver writes it. */
  public String toFieldsV1Json() {
    return Values.toJsonInsertionOrder(toFieldsV1());
  }

  /** Reads FieldsV1; throws IllegalArgumentException (with upstream's wording) when malformed. */
  public static FieldSet fromFieldsV1(JsonNode fieldsV1) {
    if (fieldsV1 == null || fieldsV1.isNull() || fieldsV1.isMissingNode()) {
      return new FieldSet();
    }
    if (!fieldsV1.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, got " + fieldsV1.getNodeType());
    }
    FieldSet s = new FieldSet();
    s.readContents(fieldsV1);
    return s;
  }

  /** Returns whether {@code "."} was present (the parent must make this node a member). */
  private boolean readContents(JsonNode o) {
    boolean self = false;
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) o::fields) {
      if (e.getKey().equals(".")) {
        self = true;
        continue;
      }
      PathElement pe = PathElement.parse(e.getKey());
      if (pe == null) {
        continue;
      }
      JsonNode v = e.getValue();
      if (!v.isObject()) {
        throw new IllegalArgumentException("expected an object for " + e.getKey() + ", got " + v.getNodeType());
      }
      if (v.isEmpty()) {
        members.add(pe);
        continue;
      }
      FieldSet child = new FieldSet();
      if (child.readContents(v)) {
        members.add(pe);
      }
      putChild(pe, child);
    }
    return self;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldSet s && members.equals(s.members) && children.equals(s.children);
  }

  @Override
  public int hashCode() {
    return Objects.hash(members, children);
  }

  @Override
  public String toString() {
    return toFieldsV1Json();
  }
}
