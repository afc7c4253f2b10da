package dev.annex.operator.validation;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The structural-schema rules of apiextensions-apiserver that matter to the runtime: every node has a
 * type (unless it preserves unknown fields or is int-or-string), the root is an object, arrays say
 * what their items are, and {@code properties} and {@code additionalProperties} are not mixed.
 */
final class StructuralSchema {
  private static final Set<String> TYPES = Set.of("object", "array", "string", "integer", "number", "boolean");

  private StructuralSchema() {
  }

  /** The first violation as "path: what is wrong", or empty when the schema is structural. */
  static Optional<String> firstViolation(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      return Optional.of("openAPIV3Schema: Required value");
    }
    if (!"object".equals(root.path("type").asText())) {
      return Optional.of("openAPIV3Schema.type: must be object at the root");
    }
    return check(root, "openAPIV3Schema");
  }

  /**
   * The path of the first {@code x-kubernetes-validations} (CEL) rule, if any: the runtime refuses
   * to start with one rather than store objects the author meant to reject, so the operator refuses
   * it up front.
   */
  static Optional<String> firstValidationRule(JsonNode node, String path) {
    if (node == null || !node.isContainerNode()) {
      return Optional.empty();
    }
    if (node.has("x-kubernetes-validations")) {
      return Optional.of(path + ".x-kubernetes-validations");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> child = it.next();
      Optional<String> found = firstValidationRule(child.getValue(), path + "." + child.getKey());
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> check(JsonNode node, String path) {
    if (!node.isObject()) {
      return Optional.of(path + ": must be a schema object");
    }
    boolean freeForm = node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        || node.path("x-kubernetes-int-or-string").asBoolean(false);
    String type = node.path("type").asText("");
    if (type.isEmpty() && !freeForm) {
      return Optional.of(path + ".type: must not be empty (or set x-kubernetes-preserve-unknown-fields)");
    }
    if (!type.isEmpty() && !TYPES.contains(type)) {
      return Optional.of(path + ".type: unsupported type '" + type + "'");
    }
    if (node.has("properties") && node.has("additionalProperties")) {
      return Optional.of(path + ": properties and additionalProperties are mutually exclusive");
    }
    if ("array".equals(type) && !node.has("items")) {
      return Optional.of(path + ".items: must be set for type array");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> property = it.next();
      Optional<String> violation = check(property.getValue(), path + ".properties." + property.getKey());
      if (violation.isPresent()) {
        return violation;
      }
    }
    if (node.has("items")) {
      Optional<String> violation = check(node.get("items"), path + ".items");
      if (violation.isPresent()) {
        return violation;
      }
    }
    JsonNode additional = node.path("additionalProperties");
    if (additional.isObject()) {
      return check(additional, path + ".additionalProperties");
    }
    return Optional.empty();
  }
}
