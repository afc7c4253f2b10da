package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.InvalidDefinitionException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resource's structural schema, as k8s.io/apiextensions-apiserver derives it from a CRD version's
 * {@code openAPIV3Schema}: every field has a type, value validations ({@code allOf}, {@code anyOf},
 * {@code oneOf}, {@code not}) only restrict what the structure already declares. The server applies
 * it to every written object in kube-apiserver's order: {@link #pruneUnknownFields}, then
 * {@link #applyDefaults}, then {@link #validate}.
 */
public final class StructuralSchema {

  /** The fields every object and every embedded resource keeps without declaring them. */
  private static final List<String> META_FIELDS = List.of("apiVersion", "kind", "metadata");

  private final JsonNode raw;
  private final String type;
  private final boolean nullable;
  private final boolean preserveUnknownFields;
  private final boolean embeddedResource;
  private final boolean intOrString;
  private final Map<String, StructuralSchema> properties;
  /** Present when {@code additionalProperties} is a schema, or {@code true} (then {@link #additionalSchema} is null). */
  private final boolean hasAdditionalProperties;
  private final StructuralSchema additionalSchema;
  private final StructuralSchema items;
  private final JsonNode defaultValue;

  private StructuralSchema(JsonNode raw) {
    this.raw = raw;
    this.type = raw.path("type").asText("");
    this.nullable = raw.path("nullable").asBoolean(false);
    this.preserveUnknownFields = raw.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    this.embeddedResource = raw.path("x-kubernetes-embedded-resource").asBoolean(false);
    this.intOrString = raw.path("x-kubernetes-int-or-string").asBoolean(false);
    Map<String, StructuralSchema> props = new LinkedHashMap<>();
    raw.path("properties").fields().forEachRemaining(e -> props.put(e.getKey(), new StructuralSchema(e.getValue())));
    this.properties = Collections.unmodifiableMap(props);
    JsonNode additional = raw.get("additionalProperties");
    this.hasAdditionalProperties = additional != null && (additional.isObject() || additional.asBoolean(false));
    this.additionalSchema = additional != null && additional.isObject() ? new StructuralSchema(additional) : null;
    JsonNode itemsNode = raw.get("items");
    this.items = itemsNode != null && itemsNode.isObject() ? new StructuralSchema(itemsNode) : null;
    this.defaultValue = raw.get("default");
  }

  /**
   * Parses and checks a resource's {@code openAPIV3Schema}.
   *
   * @throws InvalidDefinitionException naming every offending path and rule, in apiextensions' words
   *     (e.g. {@code openAPIV3Schema.properties[spec].type: Required value: must not be empty for
   *     specified object fields})
   */
  public static StructuralSchema of(JsonNode openAPIV3Schema) {
    if (openAPIV3Schema == null || !openAPIV3Schema.isObject()) {
      throw new InvalidDefinitionException("openAPIV3Schema: Required value: must be an object");
    }
    List<FieldError> errors = StructuralRules.check(openAPIV3Schema, "openAPIV3Schema");
    if (!errors.isEmpty()) {
      throw new InvalidDefinitionException(FieldErrors.aggregate(errors));
    }
    return new StructuralSchema(openAPIV3Schema);
  }

  /** The schema as written, for publishing it (OpenAPI documents, {@code kubectl explain}). */
  public JsonNode raw() {
    return raw;
  }

  /** {@code unknown field "spec.foo"}: the text of a Strict error or a Warn warning for one path. */
  public static String unknownFieldMessage(String path) {
    return "unknown field \"" + path + "\"";
  }

  // ---------------------------------------------------------------------------------------------
  // Pruning (apiextensions pkg/apiserver/schema/pruning)

  /**
   * Removes, in place, every field the schema does not declare, and returns their paths sorted as
   * kube-apiserver reports them ({@code spec.foo}, {@code spec.items[0].bar}; see
   * {@link #unknownFieldMessage}). apiVersion, kind and metadata are kept at the root and in embedded
   * resources: root metadata is the server's business (kube-apiserver lists its unknown paths, e.g.
   * {@code metadata.bogus}, before these); an embedded resource's metadata is reduced to ObjectMeta's
   * fields here, and its paths come last, as upstream.
   */
  public List<String> pruneUnknownFields(ObjectNode object) {
    Unknown unknown = new Unknown(new ArrayList<>(), new ArrayList<>());
    prune(object, this, "", unknown, true);
    // As kube-apiserver: the pruned paths sorted, then those of embedded metadata (a later pass upstream).
    List<String> paths = new ArrayList<>(unknown.pruned());
    Collections.sort(paths);
    paths.addAll(unknown.embeddedMetadata());
    return paths;
  }

  private record Unknown(List<String> pruned, List<String> embeddedMetadata) {
  }

  /** @param root the resource's root, which keeps apiVersion, kind and metadata like an embedded resource */
  private static void prune(JsonNode x, StructuralSchema s, String path, Unknown unknown, boolean root) {
    if (s != null && s.preserveUnknownFields) {
      skipPrune(x, s, path, unknown, root);
      return;
    }
    if (x instanceof ObjectNode object) {
      if (s == null) {
        object.fieldNames().forEachRemaining(k -> unknown.pruned().add(key(path, k)));
        object.removeAll();
        return;
      }
      Iterator<Map.Entry<String, JsonNode>> it = object.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String k = e.getKey();
        if ((root || s.embeddedResource) && META_FIELDS.contains(k)) {
          pruneEmbeddedMetadata(e, path, unknown, root);
        } else if (s.properties.containsKey(k)) {
          prune(e.getValue(), s.properties.get(k), key(path, k), unknown, false);
        } else if (s.hasAdditionalProperties) {
          prune(e.getValue(), s.additionalSchema, key(path, k), unknown, false);
        } else {
          unknown.pruned().add(key(path, k));
          it.remove();
        }
      }
    } else if (x instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        prune(array.get(i), s == null ? null : s.items, path + "[" + i + "]", unknown, false);
      }
    }
  }

  /** Under {@code x-kubernetes-preserve-unknown-fields}: keep unknown fields, prune inside known ones. */
  private static void skipPrune(JsonNode x, StructuralSchema s, String path, Unknown unknown, boolean root) {
    if (s == null) {
      return;
    }
    if (x instanceof ObjectNode object) {
      object.fields().forEachRemaining(e -> {
        String k = e.getKey();
        if ((root || s.embeddedResource) && META_FIELDS.contains(k)) {
          pruneEmbeddedMetadata(e, path, unknown, root);
        } else if (s.properties.containsKey(k)) {
          prune(e.getValue(), s.properties.get(k), key(path, k), unknown, false);
        } else if (s.hasAdditionalProperties) {
          prune(e.getValue(), s.additionalSchema, key(path, k), unknown, false);
        }
      });
    } else if (x instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        skipPrune(array.get(i), s.items, path + "[" + i + "]", unknown, false);
      }
    }
  }

  /** The root's metadata is the server's (ObjectMeta rules); an embedded one is reduced here. */
  private static void pruneEmbeddedMetadata(Map.Entry<String, JsonNode> e, String path, Unknown unknown,
                                            boolean root) {
    if (!root && e.getKey().equals("metadata")) {
      EmbeddedObjectMeta.prune(e.getValue(), key(path, "metadata"), unknown.embeddedMetadata());
    }
  }

  private static String key(String path, String k) {
    return path.isEmpty() ? k : path + "." + k;
  }

  // ---------------------------------------------------------------------------------------------
  // Defaulting (apiextensions pkg/apiserver/schema/defaulting)

  /**
   * Applies {@code default} values in place at every depth, as kube-apiserver does when decoding a
   * custom resource: first non-nullable {@code null}s without a default are dropped, then a missing
   * (or non-nullable null) field with a default gets a copy of it and defaulting continues inside
   * it. An absent parent object is never created unless it has a default of its own.
   */
  public void applyDefaults(ObjectNode object) {
    pruneNonNullableNulls(object, this);
    applyDefaults(object, this);
  }

  private static void pruneNonNullableNulls(JsonNode x, StructuralSchema s) {
    if (x instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> it = object.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        StructuralSchema field = s == null ? null : s.schemaForField(e.getKey());
        if (e.getValue().isNull() && field != null && !field.nullable && field.defaultValue == null) {
          it.remove();
        } else {
          pruneNonNullableNulls(e.getValue(), field);
        }
      }
    } else if (x instanceof ArrayNode array) {
      array.forEach(item -> pruneNonNullableNulls(item, s == null ? null : s.items));
    }
  }

  private StructuralSchema schemaForField(String field) {
    StructuralSchema prop = properties.get(field);
    return prop != null ? prop : additionalSchema;
  }

  private static void applyDefaults(JsonNode x, StructuralSchema s) {
    if (s == null) {
      return;
    }
    if (x instanceof ObjectNode object) {
      s.properties.forEach((k, prop) -> {
        if (prop.defaultValue != null && (!object.has(k) || isNonNullableNull(object.get(k), prop))) {
          object.set(k, prop.defaultValue.deepCopy());
        }
      });
      object.fields().forEachRemaining(e -> {
        StructuralSchema prop = s.properties.get(e.getKey());
        if (prop != null) {
          applyDefaults(e.getValue(), prop);
        } else if (s.additionalSchema != null) {
          StructuralSchema additional = s.additionalSchema;
          if (isNonNullableNull(e.getValue(), additional) && additional.defaultValue != null) {
            e.setValue(additional.defaultValue.deepCopy());
          }
          applyDefaults(e.getValue(), additional);
        }
      });
    } else if (x instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (isNonNullableNull(array.get(i), s.items) && s.items.defaultValue != null) {
          array.set(i, s.items.defaultValue.deepCopy());
        }
        applyDefaults(array.get(i), s.items);
      }
    }
  }

  private static boolean isNonNullableNull(JsonNode x, StructuralSchema s) {
    return x != null && x.isNull() && s != null && !s.nullable;
  }

  // ---------------------------------------------------------------------------------------------
  // Validation (kube-openapi's validator as apiextensions drives it, then list-type uniqueness)

  /**
   * Validates an object (after pruning and defaulting) and returns the field errors kube-apiserver
   * would put in a 422 for a custom resource, in its words. {@code x-kubernetes-validations} (CEL)
   * never reaches here: {@link #of} refuses it.
   */
  public List<FieldError> validate(JsonNode object) {
    List<FieldError> errors = new ArrayList<>(new OpenApiValidator().validate(raw, object));
    errors.addAll(ListTypeValidator.validate(this, object));
    return errors;
  }

  // Accessors for the validators of this package.

  String type() {
    return type;
  }

  boolean intOrString() {
    return intOrString;
  }

  Map<String, StructuralSchema> properties() {
    return properties;
  }

  StructuralSchema additionalSchema() {
    return additionalSchema;
  }

  StructuralSchema items() {
    return items;
  }
}
