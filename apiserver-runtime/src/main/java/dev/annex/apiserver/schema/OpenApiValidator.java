package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a value against an OpenAPI v3 schema the way k8s.io/kube-openapi's validator does for a
 * custom resource, and turns each finding into the field error apiextensions makes of it
 * ({@code kubeOpenAPIResultToFieldErrors}): paths like {@code spec.items[0].name}, details like
 * {@code spec.x in body should match '^a'}. A failure not tied to a field (anyOf, oneOf, allOf, not,
 * int32 range) is reported on the field {@code <nil>}, as kube-apiserver prints it.
 */
final class OpenApiValidator {

  /** What kube-apiserver prints as the field of an error raised at the root (a nil field path). */
  static final String ROOT_FIELD = "<nil>";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  List<FieldError> validate(JsonNode schema, JsonNode data) {
    List<FieldError> errors = new ArrayList<>();
    validate(schema, data, "", errors);
    return errors;
  }

  private void validate(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    if (data == null || data.isNull() || data.isMissingNode()) {
      typeOfNull(s, path, errors);
      enumeration(s, JSON.nullNode(), path, errors);
      return;
    }
    type(s, data, path, errors);
    junctors(s, data, path, errors);
    if (data.isTextual()) {
      string(s, data.asText(), path, errors);
      format(s, data.asText(), path, errors);
    }
    if (data.isNumber()) {
      number(s, data, path, errors);
    }
    if (data.isArray()) {
      array(s, data, path, errors);
    }
    enumeration(s, data, path, errors);
    if (data.isObject()) {
      object(s, data, path, errors);
    }
  }

  // --- type -----------------------------------------------------------------------------------

  private static List<String> types(JsonNode s) {
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return List.of("integer", "string");
    }
    String type = s.path("type").asText("");
    return type.isEmpty() ? List.of() : List.of(type);
  }

  private void typeOfNull(JsonNode s, String path, List<FieldError> errors) {
    List<String> types = types(s);
    if (!types.isEmpty() && !s.path("nullable").asBoolean(false)) {
      errors.add(invalidType(path, String.join(",", types), "null"));
    }
  }

  private void type(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    List<String> types = types(s);
    if (types.isEmpty()) {
      return;
    }
    String actual = jsonType(data);
    String format = s.path("format").asText("");
    boolean integerData = actual.equals("integer");
    boolean isIntFloat = integerData && types.contains("number");
    if (!data.isTextual() && !data.isArray() && !format.isEmpty() && normalisedFormatKnownForType(s)
        && !(types.contains(actual) || isIntFloat || dataFormat(data).equals(format)
        || (format.equals("int64") && dataFormat(data).equals("int32")))) {
      errors.add(invalidType(path, format, dataFormat(data)));
      return;
    }
    if (!types.contains(actual) && !isIntFloat) {
      errors.add(invalidType(path, String.join(",", types), actual));
    }
  }

  /** apiextensions strips formats it does not support before validating, so only these count. */
  private static boolean normalisedFormatKnownForType(JsonNode s) {
    String type = s.path("type").asText("");
    String format = s.path("format").asText("");
    return switch (type) {
      case "integer" -> format.equals("int32") || format.equals("int64");
      case "number" -> format.equals("float") || format.equals("double");
      case "", "string" -> Formats.supported(format);
      default -> false;
    };
  }

  /** The JSON type of a value as the apiserver decodes it: whole numbers are integers (int64). */
  static String jsonType(JsonNode data) {
    if (data.isTextual()) {
      return "string";
    }
    if (data.isBoolean()) {
      return "boolean";
    }
    if (data.isNumber()) {
      return isWhole(data) ? "integer" : "number";
    }
    if (data.isArray()) {
      return "array";
    }
    if (data.isObject()) {
      return "object";
    }
    return "null";
  }

  private static String dataFormat(JsonNode data) {
    if (data.isNumber()) {
      return isWhole(data) ? "int64" : "float64";
    }
    return "";
  }

  static boolean isWhole(JsonNode n) {
    if (n.isIntegralNumber()) {
      return n.canConvertToLong();
    }
    double d = n.asDouble();
    return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) <= 9.223372036854775807E18;
  }

  private FieldError invalidType(String path, String typeName, String actual) {
    return FieldError.typeInvalid(field(path), TextNode.valueOf(actual),
        path + " in body must be of type " + typeName + ": " + GoText.quote(actual));
  }

  // --- strings --------------------------------------------------------------------------------

  private void string(JsonNode s, String data, String path, List<FieldError> errors) {
    long length = data.codePointCount(0, data.length());
    if (s.has("maxLength") && length > s.get("maxLength").asLong()) {
      errors.add(FieldError.tooLong(field(path), s.get("maxLength").asLong()));
      return;
    }
    if (s.has("minLength") && length < s.get("minLength").asLong()) {
      errors.add(FieldError.invalid(field(path), TextNode.valueOf(data),
          path + " in body should be at least " + s.get("minLength").asLong() + " chars long"));
      return;
    }
    if (s.has("pattern") && !Patterns.find(s.get("pattern").asText(), data)) {
      errors.add(FieldError.invalid(field(path), TextNode.valueOf(data),
          path + " in body should match '" + s.get("pattern").asText() + "'"));
    }
  }

  private void format(JsonNode s, String data, String path, List<FieldError> errors) {
    String format = s.path("format").asText("");
    String type = s.path("type").asText("");
    if (format.isEmpty() || !(type.isEmpty() || type.equals("string")) || !Formats.supported(format)) {
      return;
    }
    if (!Formats.valid(format, data)) {
      errors.add(FieldError.typeInvalid(field(path), TextNode.valueOf(data),
          path + " in body must be of type " + format + ": " + GoText.quote(data)));
    }
  }

  // --- numbers --------------------------------------------------------------------------------

  /**
   * kube-openapi's number validator: a range check of the value against the type and format (a
   * plain error, filed at the root), then multipleOf, minimum, maximum. An integer value is compared
   * with the limits truncated to integers, and they print as integers; a float value prints them as
   * Go's {@code %v} of a float64.
   */
  private void number(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    String type = s.path("type").asText("");
    String format = s.path("format").asText("");
    boolean integer = isWhole(data);
    if (type.equals("integer") && !fitsInteger(data, format)) {
      errors.add(FieldError.invalid(ROOT_FIELD, TextNode.valueOf(""), "Checked value must be of type integer "
          + (format.equals("int32") || format.equals("int64") ? "with format " + format : "(default format)")
          + " in " + path));
    }
    if (s.has("multipleOf")) {
      multipleOf(s.get("multipleOf").asDouble(), data, integer, path, errors);
    }
    if (s.has("minimum")) {
      double min = s.get("minimum").asDouble();
      boolean exclusive = s.path("exclusiveMinimum").asBoolean(false);
      int c = integer ? Long.compare(data.asLong(), (long) min) : Double.compare(data.asDouble(), min);
      if (exclusive ? c <= 0 : c < 0) {
        errors.add(FieldError.invalid(field(path), data, path + " in body should be greater than "
            + (exclusive ? "" : "or equal to ") + limit(min, integer)));
      }
    }
    if (s.has("maximum")) {
      double max = s.get("maximum").asDouble();
      boolean exclusive = s.path("exclusiveMaximum").asBoolean(false);
      int c = integer ? Long.compare(data.asLong(), (long) max) : Double.compare(data.asDouble(), max);
      if (exclusive ? c >= 0 : c > 0) {
        errors.add(FieldError.invalid(field(path), data, path + " in body should be less than "
            + (exclusive ? "" : "or equal to ") + limit(max, integer)));
      }
    }
  }

  private void multipleOf(double factor, JsonNode data, boolean integer, String path, List<FieldError> errors) {
    if (integer) {
      long f = (long) factor; // upstream truncates a fractional factor for an integer value
      if (f <= 0) {
        errors.add(FieldError.invalid(field(path), JSON.numberNode(f),
            "factor MultipleOf declared for " + path + " must be positive: " + f));
      } else if (data.asLong() % f != 0) {
        errors.add(FieldError.invalid(field(path), data, path + " in body should be a multiple of " + f));
      }
      return;
    }
    if (factor <= 0) {
      errors.add(FieldError.invalid(field(path), JSON.numberNode(factor),
          "factor MultipleOf declared for " + path + " must be positive: " + GoText.goFloat(factor)));
    } else if (!isJsonInteger(data.asDouble() / factor)) {
      errors.add(FieldError.invalid(field(path), data,
          path + " in body should be a multiple of " + GoText.goFloat(factor)));
    }
  }

  private static String limit(double limit, boolean integer) {
    return integer ? Long.toString((long) limit) : GoText.goFloat(limit);
  }

  /** swag's IsFloat64AJSONInteger: whole up to a relative error of 1e-9. */
  private static boolean isJsonInteger(double f) {
    if (Double.isNaN(f) || Double.isInfinite(f)) {
      return false;
    }
    double g = Math.rint(f);
    if (f == g) {
      return true;
    }
    return Math.abs(f - g) / Math.min(Math.abs(f) + Math.abs(g), Double.MAX_VALUE) < 1e-9;
  }

  /** strconv.ParseInt of the value's decimal text, as kube-openapi's range check does. */
  private static boolean fitsInteger(JsonNode data, String format) {
    if (!isWhole(data)) {
      return false;
    }
    if (!format.equals("int32")) {
      return true;
    }
    long v = data.asLong();
    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
  }

  // --- arrays ---------------------------------------------------------------------------------

  private void array(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    long size = data.size();
    if (s.has("minItems") && size < s.get("minItems").asLong()) {
      errors.add(FieldError.invalid(field(path), JSON.numberNode(size),
          path + " in body should have at least " + s.get("minItems").asLong() + " items"));
    }
    if (s.has("maxItems") && size > s.get("maxItems").asLong()) {
      errors.add(FieldError.tooMany(field(path), size, s.get("maxItems").asLong()));
    }
    if (s.path("uniqueItems").asBoolean(false) && hasDuplicates(data)) {
      errors.add(FieldError.invalid(field(path), TextNode.valueOf(""), path + " in body shouldn't contain duplicates"));
    }
    if (s.path("items").isObject()) {
      for (int i = 0; i < data.size(); i++) {
        validate(s.get("items"), data.get(i), path + "[" + i + "]", errors);
      }
    }
  }

  private static boolean hasDuplicates(JsonNode array) {
    List<String> seen = new ArrayList<>();
    for (JsonNode item : array) {
      String key = GoText.json(item);
      if (seen.contains(key)) {
        return true;
      }
      seen.add(key);
    }
    return false;
  }

  // --- enum -----------------------------------------------------------------------------------

  private void enumeration(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    JsonNode allowed = s.get("enum");
    if (allowed == null || !allowed.isArray() || allowed.isEmpty()) {
      return;
    }
    for (JsonNode candidate : allowed) {
      if (sameValue(candidate, data)) {
        return;
      }
    }
    List<String> values = new ArrayList<>();
    allowed.forEach(v -> values.add(v.isTextual() ? v.asText() : GoText.json(v)));
    errors.add(FieldError.notSupported(field(path), data, values));
  }

  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return GoText.json(a).equals(GoText.json(b)) && jsonType(a).equals(jsonType(b));
  }

  // --- objects --------------------------------------------------------------------------------

  private void object(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    long keys = data.size();
    if (s.has("minProperties") && keys < s.get("minProperties").asLong()) {
      errors.add(FieldError.invalid(field(path), JSON.numberNode(keys),
          path + " in body should have at least " + s.get("minProperties").asLong() + " properties"));
    }
    if (s.has("maxProperties") && keys > s.get("maxProperties").asLong()) {
      errors.add(FieldError.tooMany(field(path), keys, s.get("maxProperties").asLong()));
    }
    JsonNode properties = s.path("properties");
    JsonNode additional = s.get("additionalProperties");
    if (additional != null && additional.isObject()) {
      for (Map.Entry<String, JsonNode> e : iterable(data)) {
        if (!properties.has(e.getKey())) {
          validate(additional, e.getValue(), child(path, e.getKey()), errors);
        }
      }
    }
    for (Map.Entry<String, JsonNode> p : iterable(properties)) {
      if (data.has(p.getKey())) {
        validate(p.getValue(), data.get(p.getKey()), child(path, p.getKey()), errors);
      }
    }
    for (JsonNode required : s.path("required")) {
      if (!data.has(required.asText())) {
        errors.add(FieldError.required(child(path, required.asText()), ""));
      }
    }
  }

  // --- allOf, anyOf, oneOf, not ---------------------------------------------------------------

  private void junctors(JsonNode s, JsonNode data, String path, List<FieldError> errors) {
    JsonNode anyOf = s.path("anyOf");
    if (anyOf.size() > 0 && !s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      List<FieldError> best = null;
      boolean succeeded = false;
      for (JsonNode alternative : anyOf) {
        List<FieldError> result = new ArrayList<>();
        validate(alternative, data, path, result);
        if (result.isEmpty()) {
          succeeded = true;
          best = null;
          break;
        }
        if (best == null || result.size() < best.size()) {
          best = result;
        }
      }
      if (!succeeded) {
        errors.add(composite(GoText.quote(path) + " must validate at least one schema (anyOf)"));
        errors.addAll(best);
      }
    }
    JsonNode oneOf = s.path("oneOf");
    if (oneOf.size() > 0) {
      int validated = 0;
      List<FieldError> best = null;
      for (JsonNode alternative : oneOf) {
        List<FieldError> result = new ArrayList<>();
        validate(alternative, data, path, result);
        if (result.isEmpty()) {
          validated++;
          best = null;
        } else if (validated == 0 && (best == null || result.size() < best.size())) {
          best = result;
        }
      }
      if (validated != 1) {
        String found = validated == 0 ? "Found none valid" : "Found " + validated + " valid alternatives";
        errors.add(composite(GoText.quote(path) + " must validate one and only one schema (oneOf). " + found));
        if (best != null) {
          errors.addAll(best);
        }
      }
    }
    JsonNode allOf = s.path("allOf");
    if (allOf.size() > 0) {
      int validated = 0;
      for (JsonNode part : allOf) {
        List<FieldError> result = new ArrayList<>();
        validate(part, data, path, result);
        if (result.isEmpty()) {
          validated++;
        }
        errors.addAll(result);
      }
      if (validated != allOf.size()) {
        errors.add(composite(GoText.quote(path) + " must validate all the schemas (allOf)"
            + (validated == 0 ? ". None validated" : "")));
      }
    }
    if (s.has("not")) {
      List<FieldError> result = new ArrayList<>();
      validate(s.get("not"), data, path, result);
      if (result.isEmpty()) {
        errors.add(composite(GoText.quote(path) + " must not validate the schema (not)"));
      }
    }
  }

  /** A composite failure is not a kube-openapi field error, so apiextensions files it at the root. */
  private static FieldError composite(String message) {
    return FieldError.invalid(ROOT_FIELD, TextNode.valueOf(""), message);
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String field(String path) {
    return path.isEmpty() ? ROOT_FIELD : path;
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }

  /** Go's RE2 {@code MatchString}: a search anywhere in the string, compiled once per pattern. */
  static final class Patterns {
    private static final Map<String, Pattern> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    static boolean find(String pattern, String data) {
      return CACHE.computeIfAbsent(pattern, Pattern::compile).matcher(data).find();
    }
  }
}
