package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a CRD-style {@code openAPIV3Schema} into the {@link SchemaType} tree, with the top-level
 * {@code apiVersion}, {@code kind} and the built-in {@code ObjectMeta} that kube-apiserver adds to
 * every custom resource (a CRD's own metadata schema never changes how metadata merges).
 */
final class StructuralSchema {

  private StructuralSchema() {
  }

  static SchemaType.MapType root(JsonNode openAPIV3Schema) {
    SchemaType t = of(openAPIV3Schema == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
        : openAPIV3Schema);
    Map<String, SchemaType> fields = new LinkedHashMap<>();
    Map<String, JsonNode> defaults = Map.of();
    SchemaType element = null;
    if (t instanceof SchemaType.MapType m) {
      fields.putAll(m.fields());
      element = m.elementType();
      defaults = m.defaults();
    } else {
      element = SchemaType.DEDUCED;
    }
    fields.put("apiVersion", SchemaType.SCALAR);
    fields.put("kind", SchemaType.SCALAR);
    fields.put("metadata", OBJECT_META);
    return new SchemaType.MapType(fields, defaults, element, false);
  }

  static SchemaType of(JsonNode s) {
    if (s == null || s.isMissingNode() || s.isNull()) {
      return SchemaType.DEDUCED;
    }
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return SchemaType.SCALAR;
    }
    String type = s.path("type").asText("");
    boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    if (type.equals("array")) {
      SchemaType items = of(s.get("items"));
      switch (s.path("x-kubernetes-list-type").asText("atomic")) {
        case "set":
          return new SchemaType.ListType(items, SchemaType.ListKind.SET, List.of());
        case "map": {
          List<String> keys = new ArrayList<>();
          s.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
          return new SchemaType.ListType(items, SchemaType.ListKind.MAP, keys);
        }
        default:
          return new SchemaType.ListType(items, SchemaType.ListKind.ATOMIC, List.of());
      }
    }
    if (type.equals("object") || s.has("properties") || s.has("additionalProperties")) {
      Map<String, SchemaType> fields = new LinkedHashMap<>();
      Map<String, JsonNode> defaults = new LinkedHashMap<>();
      s.path("properties").fields().forEachRemaining(e -> {
        fields.put(e.getKey(), of(e.getValue()));
        if (e.getValue().has("default")) {
          defaults.put(e.getKey(), e.getValue().get("default"));
        }
      });
      SchemaType element = null;
      JsonNode ap = s.get("additionalProperties");
      if (ap != null && ap.isObject()) {
        element = of(ap);
      } else if ((ap != null && ap.asBoolean(false)) || preserve) {
        element = SchemaType.DEDUCED;
      }
      if (s.path("x-kubernetes-embedded-resource").asBoolean(false)) {
        fields.putIfAbsent("apiVersion", SchemaType.SCALAR);
        fields.putIfAbsent("kind", SchemaType.SCALAR);
        fields.put("metadata", OBJECT_META);
      }
      boolean atomic = s.path("x-kubernetes-map-type").asText("granular").equals("atomic");
      return new SchemaType.MapType(fields, defaults, element, atomic);
    }
    return switch (type) {
      case "" -> SchemaType.DEDUCED;
      case "string" -> SchemaType.STRING;
      case "integer", "number" -> new SchemaType.Scalar(SchemaType.ScalarKind.NUMERIC);
      case "boolean" -> new SchemaType.Scalar(SchemaType.ScalarKind.BOOLEAN);
      default -> SchemaType.SCALAR;
    };
  }

  /** metav1.ObjectMeta as the built-in OpenAPI describes it (finalizers a set, ownerReferences keyed by uid). */
  static final SchemaType.MapType OBJECT_META = objectMeta();

  private static SchemaType.MapType objectMeta() {
    Map<String, SchemaType> f = new LinkedHashMap<>();
    for (String scalar : List.of("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
        "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")) {
      f.put(scalar, SchemaType.SCALAR);
    }
    SchemaType.MapType stringMap = new SchemaType.MapType(Map.of(), Map.of(), SchemaType.SCALAR, false);
    f.put("labels", stringMap);
    f.put("annotations", stringMap);
    f.put("finalizers", new SchemaType.ListType(SchemaType.SCALAR, SchemaType.ListKind.SET, List.of()));
    Map<String, SchemaType> owner = new LinkedHashMap<>();
    for (String scalar : List.of("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")) {
      owner.put(scalar, SchemaType.SCALAR);
    }
    // OwnerReference is +structType=atomic: an item is owned whole, never field by field.
    f.put("ownerReferences", new SchemaType.ListType(new SchemaType.MapType(owner, Map.of(), null, true),
        SchemaType.ListKind.MAP, List.of("uid")));
    f.put("managedFields", new SchemaType.ListType(SchemaType.DEDUCED, SchemaType.ListKind.ATOMIC, List.of()));
    return new SchemaType.MapType(f, Map.of(), null, false);
  }
}
