package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The checks apiextensions makes before it serves a schema: the CRD schema rules
 * ({@code pkg/apis/apiextensions/validation}) and the structural invariants
 * ({@code pkg/apiserver/schema/validation.go}), with their paths and words. A schema that fails them
 * would be refused by kube-apiserver in a CRD, so Annex refuses it too.
 */
final class StructuralRules {

  private enum Level { ROOT, ITEM, FIELD }

  private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean");
  private static final List<String> JUNCTORS = List.of("allOf", "anyOf", "oneOf");

  private final List<FieldError> errors = new ArrayList<>();

  private StructuralRules() {
  }

  static List<FieldError> check(JsonNode schema, String path) {
    StructuralRules rules = new StructuralRules();
    rules.structural(schema, Level.ROOT, path);
    if (schema.path("nullable").asBoolean(false)) {
      rules.errors.add(FieldError.forbidden(path + ".nullable", "nullable cannot be true at the root"));
    }
    return rules.errors;
  }

  private void structural(JsonNode s, Level level, String path) {
    crdRules(s, path);
    String type = s.path("type").asText("");
    boolean intOrString = s.path("x-kubernetes-int-or-string").asBoolean(false);
    boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    boolean embedded = s.path("x-kubernetes-embedded-resource").asBoolean(false);
    JsonNode properties = s.path("properties");

    if (type.equals("array") && !s.has("items")) {
      errors.add(FieldError.required(path + ".items", "must be specified"));
    }
    if (s.path("items").isObject()) {
      structural(s.get("items"), Level.ITEM, path + ".items");
    } else if (s.path("items").isArray()) {
      errors.add(FieldError.forbidden(path + ".items", "items must be a schema object and not an array"));
    }
    properties.fields().forEachRemaining(e ->
        structural(e.getValue(), Level.FIELD, path + ".properties[" + e.getKey() + "]"));
    if (s.has("additionalProperties")) {
      if (level == Level.ROOT) {
        errors.add(FieldError.forbidden(path + ".additionalProperties", "must not be used at the root"));
      }
      if (s.get("additionalProperties").isObject()) {
        structural(s.get("additionalProperties"), Level.FIELD, path + ".additionalProperties");
      }
    }
    if (!type.isEmpty() && !TYPES.contains(type)) {
      errors.add(FieldError.notSupported(path + ".type", TextNode.valueOf(type),
          List.of("array", "boolean", "integer", "number", "object", "string")));
    }
    if (intOrString && preserve) {
      errors.add(FieldError.invalid(path + ".x-kubernetes-preserve-unknown-fields", BooleanNode.TRUE,
          "must be false if x-kubernetes-int-or-string is true"));
    }
    if (intOrString && embedded) {
      errors.add(FieldError.invalid(path + ".x-kubernetes-embedded-resource", BooleanNode.TRUE,
          "must be false if x-kubernetes-int-or-string is true"));
    }
    boolean skipAnyOf = intOrString && isIntOrStringPattern(s.path("anyOf"));
    boolean skipFirstAllOfAnyOf = intOrString && s.path("allOf").size() > 0
        && isIntOrStringPattern(s.path("allOf").get(0).path("anyOf"));
    valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path);

    if (embedded && !type.equals("object")) {
      if (type.isEmpty()) {
        errors.add(FieldError.required(path + ".type", "must be object if x-kubernetes-embedded-resource is true"));
      } else {
        errors.add(FieldError.invalid(path + ".type", TextNode.valueOf(type),
            "must be object if x-kubernetes-embedded-resource is true"));
      }
    } else if (type.isEmpty() && !intOrString && !preserve) {
      errors.add(FieldError.required(path + ".type", switch (level) {
        case ROOT -> "must not be empty at the root";
        case ITEM -> "must not be empty for specified array items";
        case FIELD -> "must not be empty for specified object fields";
      }));
    }
    if (embedded && s.has("additionalProperties")) {
      errors.add(FieldError.forbidden(path + ".additionalProperties",
          "must not be used if x-kubernetes-embedded-resource is set"));
    }
    if (level == Level.ROOT && !type.isEmpty() && !type.equals("object")) {
      errors.add(FieldError.invalid(path + ".type", TextNode.valueOf(type), "must be object at the root"));
    }
    boolean checkMetadata = level == Level.ROOT || embedded;
    for (String typeMeta : List.of("kind", "apiVersion")) {
      if (checkMetadata && properties.has(typeMeta) && !properties.get(typeMeta).path("type").asText("").equals("string")) {
        errors.add(FieldError.invalid(path + ".properties[" + typeMeta + "].type",
            TextNode.valueOf(properties.get(typeMeta).path("type").asText("")), "must be string"));
      }
    }
    if (properties.has("metadata")) {
      metadata(properties.get("metadata"), checkMetadata, level, path + ".properties[metadata]");
    }
    if (embedded && !preserve && properties.isEmpty()) {
      errors.add(FieldError.required(path + ".properties",
          "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
    }
  }

  private void metadata(JsonNode s, boolean checkMetadata, Level level, String path) {
    String type = s.path("type").asText("");
    if (checkMetadata && !type.equals("object")) {
      errors.add(FieldError.invalid(path + ".type", TextNode.valueOf(type), "must be object"));
    }
    if (level == Level.ROOT) {
      // Only restrictions of name and generateName are allowed: ObjectMeta is implicit.
      Set<String> allowed = Set.of("type", "properties", "default", "description", "title");
      Set<String> props = new HashSet<>();
      s.path("properties").fieldNames().forEachRemaining(props::add);
      boolean onlyNames = Set.of("name", "generateName").containsAll(props);
      boolean other = false;
      for (Map.Entry<String, JsonNode> e : iterable(s)) {
        if (!allowed.contains(e.getKey())) {
          other = true;
        }
      }
      if (!onlyNames || other) {
        errors.add(FieldError.forbidden(path,
            "must not specify anything other than name and generateName, but metadata is implicitly specified"));
      }
    }
  }

  /** The rules of a CRD schema that are not about structure: unsupported keywords and extensions. */
  private void crdRules(JsonNode s, String path) {
    if (s.path("uniqueItems").asBoolean(false)) {
      errors.add(FieldError.forbidden(path + ".uniqueItems",
          "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
    }
    JsonNode additional = s.get("additionalProperties");
    if (additional != null && s.path("properties").size() > 0 && (additional.isObject() || !additional.asBoolean(true))) {
      errors.add(FieldError.forbidden(path + ".additionalProperties",
          "additionalProperties and properties are mutual exclusive"));
    }
    for (String unsupported : List.of("id", "additionalItems", "patternProperties", "definitions", "dependencies", "$ref")) {
      if (s.has(unsupported)) {
        errors.add(FieldError.forbidden(path + "." + unsupported, unsupported + " is not supported"));
      }
    }
    if (s.path("type").asText("").equals("null")) {
      errors.add(FieldError.forbidden(path + ".type", "type cannot be set to null, use nullable as an alternative"));
    }
    if (s.has("x-kubernetes-preserve-unknown-fields") && !s.get("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      errors.add(FieldError.invalid(path + ".x-kubernetes-preserve-unknown-fields", BooleanNode.FALSE,
          "must be true or undefined"));
    }
    if (s.has("x-kubernetes-validations")) {
      // CEL is not evaluated by this runtime: serving the schema anyway would store objects the
      // author meant to refuse, so the definition is refused instead (see package-info).
      errors.add(FieldError.forbidden(path + ".x-kubernetes-validations",
          "CEL validation rules are not supported by the Annex apiserver runtime"));
    }
    listType(s, path);
    if (s.has("pattern")) {
      try {
        Pattern.compile(s.get("pattern").asText());
      } catch (PatternSyntaxException e) {
        errors.add(FieldError.invalid(path + ".pattern", s.get("pattern"),
            "must be a valid regular expression, but isn't: " + e.getDescription()));
      }
    }
  }

  private void listType(JsonNode s, String path) {
    String type = s.path("type").asText("");
    if (s.has("x-kubernetes-list-type")) {
      String listType = s.get("x-kubernetes-list-type").asText();
      if (!type.equals("array")) {
        errors.add(type.isEmpty()
            ? FieldError.required(path + ".type", "must be array if x-kubernetes-list-type is specified")
            : FieldError.invalid(path + ".type", TextNode.valueOf(type), "must be array if x-kubernetes-list-type is specified"));
      }
      if (!List.of("atomic", "set", "map").contains(listType)) {
        errors.add(FieldError.notSupported(path + ".x-kubernetes-list-type", TextNode.valueOf(listType),
            List.of("atomic", "set", "map")));
      }
      if (listType.equals("map")) {
        if (s.path("x-kubernetes-list-map-keys").size() == 0) {
          errors.add(FieldError.required(path + ".x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"));
        }
        if (!s.path("items").isObject()) {
          errors.add(FieldError.required(path + ".items", "must have a schema if x-kubernetes-list-type is map"));
        } else if (!s.path("items").path("type").asText("").equals("object")) {
          errors.add(FieldError.invalid(path + ".items.type", TextNode.valueOf(s.path("items").path("type").asText("")),
              "must be object if parent array's x-kubernetes-list-type is map"));
        }
      }
    }
    if (s.path("x-kubernetes-list-map-keys").size() > 0 && !s.path("x-kubernetes-list-type").asText("").equals("map")) {
      errors.add(s.has("x-kubernetes-list-type")
          ? FieldError.invalid(path + ".x-kubernetes-list-type", s.get("x-kubernetes-list-type"),
              "must be map if x-kubernetes-list-map-keys is non-empty")
          : FieldError.required(path + ".x-kubernetes-list-type", "must be map if x-kubernetes-list-map-keys is non-empty"));
    }
    if (s.has("x-kubernetes-map-type")) {
      String mapType = s.get("x-kubernetes-map-type").asText();
      if (!type.equals("object")) {
        errors.add(type.isEmpty()
            ? FieldError.required(path + ".type", "must be object if x-kubernetes-map-type is specified")
            : FieldError.invalid(path + ".type", TextNode.valueOf(type), "must be object if x-kubernetes-map-type is specified"));
      }
      if (!List.of("atomic", "granular").contains(mapType)) {
        errors.add(FieldError.notSupported(path + ".x-kubernetes-map-type", TextNode.valueOf(mapType),
            List.of("atomic", "granular")));
      }
    }
  }

  /** allOf/anyOf/oneOf/not: may only restrict values; the structure must come from the schema itself. */
  private void valueValidation(JsonNode s, boolean skipAnyOf, boolean skipFirstAllOfAnyOf, String path) {
    for (String junctor : JUNCTORS) {
      JsonNode list = s.path(junctor);
      for (int i = 0; i < list.size(); i++) {
        boolean skip = (junctor.equals("anyOf") && skipAnyOf) || (junctor.equals("allOf") && i == 0 && skipFirstAllOfAnyOf);
        nested(list.get(i), skip, path + "." + junctor + "[" + i + "]");
      }
    }
    if (s.has("not")) {
      nested(s.get("not"), false, path + ".not");
    }
  }

  private void nested(JsonNode v, boolean skipAnyOf, String path) {
    crdRules(v, path);
    if (v.has("type") && !skipAnyOf) {
      errors.add(FieldError.forbidden(path + ".type", "must be empty to be structural"));
    }
    if (v.has("additionalProperties")) {
      errors.add(FieldError.forbidden(path + ".additionalProperties", "must be undefined to be structural"));
    }
    if (v.has("default")) {
      errors.add(FieldError.forbidden(path + ".default", "must be undefined to be structural"));
    }
    if (v.has("title")) {
      errors.add(FieldError.forbidden(path + ".title", "must be empty to be structural"));
    }
    if (v.has("description")) {
      errors.add(FieldError.forbidden(path + ".description", "must be empty to be structural"));
    }
    if (v.path("nullable").asBoolean(false)) {
      errors.add(FieldError.forbidden(path + ".nullable", "must be false to be structural"));
    }
    for (String x : List.of("x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string")) {
      if (v.path(x).asBoolean(false)) {
        errors.add(FieldError.forbidden(path + "." + x, "must be false to be structural"));
      }
    }
    if (v.path("x-kubernetes-list-map-keys").size() > 0) {
      errors.add(FieldError.forbidden(path + ".x-kubernetes-list-map-keys", "must be empty to be structural"));
    }
    for (String x : List.of("x-kubernetes-list-type", "x-kubernetes-map-type")) {
      if (v.has(x)) {
        errors.add(FieldError.forbidden(path + "." + x, "must be undefined to be structural"));
      }
    }
    if (v.path("properties").has("metadata")) {
      errors.add(FieldError.forbidden(path + ".properties[metadata]", "must not be specified in a nested context"));
    }
    v.path("properties").fields().forEachRemaining(e -> nested(e.getValue(), false, path + ".properties[" + e.getKey() + "]"));
    if (v.path("items").isObject()) {
      nested(v.get("items"), false, path + ".items");
    }
    for (String junctor : JUNCTORS) {
      JsonNode list = v.path(junctor);
      for (int i = 0; i < list.size(); i++) {
        nested(list.get(i), false, path + "." + junctor + "[" + i + "]");
      }
    }
    if (v.has("not")) {
      nested(v.get("not"), false, path + ".not");
    }
  }

  private static boolean isIntOrStringPattern(JsonNode anyOf) {
    return anyOf.size() == 2 && anyOf.get(0).path("type").asText("").equals("integer")
        && anyOf.get(1).path("type").asText("").equals("string");
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }
}
