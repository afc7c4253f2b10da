package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.annex.apiserver.schema.ProbeSchema.json;
import static dev.annex.apiserver.schema.ProbeSchema.probe;
import static org.assertj.core.api.Assertions.assertThat;

/** Validation against the probe schema: every expected text is what kube-apiserver v1.37.2 answered. */
class ValidationTest {

  private static final StructuralSchema SCHEMA = ProbeSchema.schema();

  /** One posted spec and the field errors kube-apiserver reported, as {@code field: body} texts. */
  record Case(String name, String spec, List<String> errors) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> singleProperty() {
    return Stream.of(
        new Case("valid", "{\"name\":\"abc\"}", List.of()),
        new Case("required", "{}", List.of("spec.name: Required value")),
        new Case("required null", "{\"name\":null}", List.of("spec.name: Required value")),
        new Case("maxLength", "{\"name\":\"abcdefghij\"}", List.of("spec.name: Too long: may not be more than 8 bytes")),
        new Case("minLength", "{\"name\":\"ab\"}",
            List.of("spec.name: Invalid value: \"ab\": spec.name in body should be at least 3 chars long")),
        new Case("pattern", "{\"name\":\"ABC1\"}",
            List.of("spec.name: Invalid value: \"ABC1\": spec.name in body should match '^[a-z]+$'")),
        new Case("integer type", "{\"name\":\"abc\",\"replicas\":\"three\"}",
            List.of("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"")),
        new Case("minimum", "{\"name\":\"abc\",\"replicas\":0}",
            List.of("spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1")),
        new Case("maximum", "{\"name\":\"abc\",\"replicas\":11}",
            List.of("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10")),
        new Case("int32 range", "{\"name\":\"abc\",\"replicas\":3000000000}", List.of(
            "<nil>: Invalid value: \"\": Checked value must be of type integer with format int32 in spec.replicas",
            "spec.replicas: Invalid value: 3000000000: spec.replicas in body should be less than or equal to 10")),
        new Case("float for int32", "{\"name\":\"abc\",\"replicas\":2.5}", List.of(
            "spec.replicas: Invalid value: \"float64\": spec.replicas in body must be of type int32: \"float64\"",
            "<nil>: Invalid value: \"\": Checked value must be of type integer with format int32 in spec.replicas")),
        new Case("float for integer", "{\"name\":\"abc\",\"big\":2.5}", List.of(
            "spec.big: Invalid value: \"number\": spec.big in body must be of type integer: \"number\"",
            "<nil>: Invalid value: \"\": Checked value must be of type integer (default format) in spec.big")),
        new Case("whole float is an integer", "{\"name\":\"abc\",\"replicas\":2.0}", List.of()),
        new Case("integer limit printed as integer", "{\"name\":\"abc\",\"big\":2000000}",
            List.of("spec.big: Invalid value: 2000000: spec.big in body should be less than or equal to 1000000")),
        new Case("exclusive maximum, integer value", "{\"name\":\"abc\",\"ratio\":1}", List.of(
            "spec.ratio: Invalid value: 0: factor MultipleOf declared for spec.ratio must be positive: 0",
            "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1")),
        new Case("exclusive minimum, integer value", "{\"name\":\"abc\",\"ratio\":0}", List.of(
            "spec.ratio: Invalid value: 0: factor MultipleOf declared for spec.ratio must be positive: 0",
            "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0")),
        new Case("exclusive maximum, float value", "{\"name\":\"abc\",\"ratio\":1.5}",
            List.of("spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1")),
        new Case("multipleOf", "{\"name\":\"abc\",\"ratio\":0.3}",
            List.of("spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.25")),
        new Case("multipleOf satisfied", "{\"name\":\"abc\",\"ratio\":0.5}", List.of()),
        new Case("enum", "{\"name\":\"abc\",\"mode\":\"Medium\"}",
            List.of("spec.mode: Unsupported value: \"Medium\": supported values: \"Fast\", \"Slow\"")),
        new Case("integer enum", "{\"name\":\"abc\",\"level\":3}",
            List.of("spec.level: Unsupported value: 3: supported values: \"1\", \"2\"")),
        new Case("wrong type and enum", "{\"name\":\"abc\",\"mode\":5}", List.of(
            "spec.mode: Invalid value: \"integer\": spec.mode in body must be of type string: \"integer\"",
            "spec.mode: Unsupported value: 5: supported values: \"Fast\", \"Slow\"")),
        new Case("date-time", "{\"name\":\"abc\",\"when\":\"yesterday\"}",
            List.of("spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"")),
        new Case("date-time valid", "{\"name\":\"abc\",\"when\":\"2026-11-23T15:31:53Z\"}", List.of()),
        new Case("date-time of a number", "{\"name\":\"abc\",\"when\":5}",
            List.of("spec.when: Invalid value: \"int64\": spec.when in body must be of type date-time: \"int64\"")),
        new Case("uuid", "{\"name\":\"abc\",\"uid\":\"x\"}",
            List.of("spec.uid: Invalid value: \"x\": spec.uid in body must be of type uuid: \"x\"")),
        new Case("go quoting", "{\"name\":\"abc\",\"uid\":\"\u00e9\\\"\\n<\"}",
            List.of("spec.uid: Invalid value: \"\u00e9\\\"\\n<\": spec.uid in body must be of type uuid: \"\u00e9\\\"\\n<\"")),
        new Case("minItems", "{\"name\":\"abc\",\"tags\":[]}",
            List.of("spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items")),
        new Case("maxItems", "{\"name\":\"abc\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}",
            List.of("spec.tags: Too many: 4: must have at most 3 items")),
        new Case("list-type set", "{\"name\":\"abc\",\"tags\":[\"a\",\"b\",\"a\",\"a\"]}", List.of(
            "spec.tags: Too many: 4: must have at most 3 items", "spec.tags[2]: Duplicate value: \"a\"")),
        new Case("list-type set of wrong items", "{\"name\":\"abc\",\"tags\":[1,1]}", List.of(
            "spec.tags[0]: Invalid value: \"integer\": spec.tags[0] in body must be of type string: \"integer\"",
            "spec.tags[1]: Invalid value: \"integer\": spec.tags[1] in body must be of type string: \"integer\"",
            "spec.tags[1]: Duplicate value: 1")),
        new Case("list-type map", "{\"name\":\"abc\",\"ports\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"a\",\"port\":2}]}",
            List.of("spec.ports[2]: Duplicate value: {\"name\":\"a\"}")),
        new Case("list-type map without keys", "{\"name\":\"abc\",\"ports\":[{\"port\":1},{\"port\":2}]}", List.of(
            "spec.ports[0].name: Required value", "spec.ports[1].name: Required value",
            "spec.ports[1]: Duplicate value: {}")),
        new Case("minProperties", "{\"name\":\"abc\",\"labels\":{}}",
            List.of("spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties")),
        new Case("maxProperties", "{\"name\":\"abc\",\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}",
            List.of("spec.labels: Too many: 3: must have at most 2 items")),
        new Case("additionalProperties type", "{\"name\":\"abc\",\"labels\":{\"a\":1}}",
            List.of("spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"")),
        new Case("boolean", "{\"name\":\"abc\",\"enabled\":\"yes\"}",
            List.of("spec.enabled: Invalid value: \"string\": spec.enabled in body must be of type boolean: \"string\"")),
        new Case("array type", "{\"name\":\"abc\",\"tags\":\"a\"}",
            List.of("spec.tags: Invalid value: \"string\": spec.tags in body must be of type array: \"string\"")),
        new Case("object type", "\"x\"",
            List.of("spec: Invalid value: \"string\": spec in body must be of type object: \"string\"")),
        new Case("int-or-string", "{\"name\":\"abc\",\"port\":true}",
            List.of("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"")),
        new Case("int-or-string accepts both", "{\"name\":\"abc\",\"port\":\"http\"}", List.of()),
        new Case("oneOf none", "{\"name\":\"abc\",\"choice\":{}}", List.of(
            "<nil>: Invalid value: \"\": \"spec.choice\" must validate one and only one schema (oneOf). Found none valid",
            "spec.choice.a: Required value")),
        new Case("oneOf two", "{\"name\":\"abc\",\"choice\":{\"a\":\"1\",\"b\":\"2\"}}", List.of(
            "<nil>: Invalid value: \"\": \"spec.choice\" must validate one and only one schema (oneOf). Found 2 valid alternatives")),
        new Case("anyOf", "{\"name\":\"abc\",\"any\":\"z\"}", List.of(
            "<nil>: Invalid value: \"\": \"spec.any\" must validate at least one schema (anyOf)",
            "spec.any: Invalid value: \"z\": spec.any in body should match '^x'")),
        new Case("anyOf satisfied", "{\"name\":\"abc\",\"any\":\"yes\"}", List.of()),
        new Case("not", "{\"name\":\"abc\",\"notEmpty\":\"\"}", List.of(
            "<nil>: Invalid value: \"\": \"spec.notEmpty\" must not validate the schema (not)")),
        new Case("array item paths", "{\"name\":\"abc\",\"items\":[{\"name\":\"abcd\"},{\"name\":\"abc\"}]}", List.of(
            "spec.items[0].name: Too long: may not be more than 2 bytes",
            "spec.items[1].name: Too long: may not be more than 2 bytes")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("singleProperty")
  void fieldErrorsReadAsKubeApiserverWritesThem(Case c) {
    ObjectNode probe = probe(c.name(), c.spec());
    SCHEMA.pruneUnknownFields(probe);
    SCHEMA.applyDefaults(probe);
    assertThat(SCHEMA.validate(probe)).extracting(FieldError::message).containsExactlyElementsOf(c.errors());
  }

  /**
   * kube-openapi walks properties in Go map order, so kube-apiserver's order of errors from sibling
   * fields varies between requests (seen: tags first, then replicas first); the set is fixed, and
   * Required comes after the properties.
   */
  @Test
  void errorsOfSiblingFieldsAreTheSameSetAndRequiredComesLast() {
    ObjectNode probe = probe("multi", "{\"replicas\":\"x\",\"mode\":\"M\",\"tags\":[],\"name2\":1}");
    SCHEMA.pruneUnknownFields(probe);
    SCHEMA.applyDefaults(probe);
    List<String> messages = SCHEMA.validate(probe).stream().map(FieldError::message).toList();
    assertThat(messages).containsExactlyInAnyOrder(
        "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items",
        "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
        "spec.mode: Unsupported value: \"M\": supported values: \"Fast\", \"Slow\"",
        "spec.name: Required value");
    assertThat(messages.get(messages.size() - 1)).isEqualTo("spec.name: Required value");
  }

  @Test
  void invalidStatusMessageAndCausesAreKubeApiserverOnes() {
    ObjectNode probe = probe("int32", "{\"name\":\"abc\",\"replicas\":3000000000}");
    List<FieldError> errors = SCHEMA.validate(probe);
    assertThat(FieldErrors.invalidMessage("Probe.annex.test", "int32", errors)).isEqualTo(
        "Probe.annex.test \"int32\" is invalid: [<nil>: Invalid value: \"\": Checked value must be of type integer "
            + "with format int32 in spec.replicas, spec.replicas: Invalid value: 3000000000: spec.replicas in body "
            + "should be less than or equal to 10]");
    assertThat(FieldErrors.causes(errors)).isEqualTo(json("[{\"reason\": \"FieldValueInvalid\", \"message\": "
        + "\"Invalid value: \\\"\\\": Checked value must be of type integer with format int32 in spec.replicas\", "
        + "\"field\": \"<nil>\"}, {\"reason\": \"FieldValueInvalid\", \"message\": \"Invalid value: 3000000000: "
        + "spec.replicas in body should be less than or equal to 10\", \"field\": \"spec.replicas\"}]"));
  }

  @Test
  void eachCauseReasonIsTheErrorType() {
    ObjectNode probe = probe("x", "{\"name\":\"abcdefghij\",\"mode\":\"M\",\"when\":\"y\",\"tags\":[\"a\",\"a\"],"
        + "\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}");
    assertThat(SCHEMA.validate(probe)).extracting(e -> e.toStatusCause().get("reason").asText())
        .containsExactlyInAnyOrder("FieldValueTooLong", "FieldValueNotSupported", "FieldValueTypeInvalid",
            "FieldValueTooMany", "FieldValueDuplicate");
  }

  @Test
  void wardleEnumIsTheExampleOfTheBrief() {
    StructuralSchema wardle = StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":"
        + "\"object\",\"properties\":{\"referenceType\":{\"type\":\"string\",\"enum\":[\"Flunder\",\"Fischer\"]}}}}}"));
    List<FieldError> errors = wardle.validate(json("{\"spec\":{\"referenceType\":\"Bad\"}}"));
    assertThat(FieldErrors.invalidMessage("Flunder.wardle.example.com", "x", errors)).isEqualTo(
        "Flunder.wardle.example.com \"x\" is invalid: spec.referenceType: Unsupported value: \"Bad\": "
            + "supported values: \"Flunder\", \"Fischer\"");
  }

  @Test
  void nullableFieldsAcceptNullAndOthersAreDroppedBeforeValidation() {
    ObjectNode probe = probe("nullable", "{\"name\":\"abc\",\"nullableField\":null,\"enabled\":null}");
    SCHEMA.applyDefaults(probe);
    assertThat(probe.get("spec")).isEqualTo(json("{\"name\":\"abc\",\"nullableField\":null,\"defaulted\":{\"size\":3}}"));
    assertThat(SCHEMA.validate(probe)).isEmpty();
    assertThat(SCHEMA.validate(json("{\"spec\":{\"name\":\"abc\",\"enabled\":null}}")))
        .extracting(FieldError::message)
        .containsExactly("spec.enabled: Invalid value: \"null\": spec.enabled in body must be of type boolean: \"null\"");
  }
}
