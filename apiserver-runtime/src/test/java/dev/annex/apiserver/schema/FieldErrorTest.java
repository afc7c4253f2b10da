package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.annex.apiserver.schema.ProbeSchema.json;
import static org.assertj.core.api.Assertions.assertThat;

/** apimachinery's field.Error texts (errors.go): what each constructor prints, and the 422 message. */
class FieldErrorTest {

  private static final JsonNodeFactory N = JsonNodeFactory.instance;

  record Case(FieldError error, String message, String reason) {
    @Override
    public String toString() {
      return message;
    }
  }

  static Stream<Case> errors() {
    return Stream.of(
        new Case(FieldError.required("spec.a", ""), "spec.a: Required value", "FieldValueRequired"),
        new Case(FieldError.required("spec.a", "must be set"), "spec.a: Required value: must be set", "FieldValueRequired"),
        new Case(FieldError.forbidden("spec.a", "no"), "spec.a: Forbidden: no", "FieldValueForbidden"),
        new Case(FieldError.invalid("spec.a", TextNode.valueOf("x\"y"), "bad"), "spec.a: Invalid value: \"x\\\"y\": bad",
            "FieldValueInvalid"),
        new Case(FieldError.invalid("spec.a", N.numberNode(1.5), ""), "spec.a: Invalid value: 1.5", "FieldValueInvalid"),
        new Case(FieldError.invalid("spec.a", N.booleanNode(true), "d"), "spec.a: Invalid value: true: d", "FieldValueInvalid"),
        new Case(FieldError.invalid("spec.a", json("{\"b\":1,\"a\":\"<\"}"), "d"),
            "spec.a: Invalid value: {\"a\":\"\\u003c\",\"b\":1}: d", "FieldValueInvalid"),
        new Case(FieldError.invalid("spec.a", N.nullNode(), "d"), "spec.a: Invalid value: null: d", "FieldValueInvalid"),
        new Case(FieldError.typeInvalid("spec.a", TextNode.valueOf("string"), "t"), "spec.a: Invalid value: \"string\": t",
            "FieldValueTypeInvalid"),
        new Case(FieldError.notSupported("spec.a", TextNode.valueOf("B"), List.of("x", "y")),
            "spec.a: Unsupported value: \"B\": supported values: \"x\", \"y\"", "FieldValueNotSupported"),
        new Case(FieldError.duplicate("spec.l[1]", TextNode.valueOf("a")), "spec.l[1]: Duplicate value: \"a\"",
            "FieldValueDuplicate"),
        new Case(FieldError.tooLong("spec.a", 1), "spec.a: Too long: may not be more than 1 byte", "FieldValueTooLong"),
        new Case(FieldError.tooMany("spec.l", 3, 1), "spec.l: Too many: 3: must have at most 1 item", "FieldValueTooMany"),
        new Case(FieldError.tooMany("spec.l", -1, 2), "spec.l: Too many: must have at most 2 items", "FieldValueTooMany"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void printsAsApimachinery(Case c) {
    assertThat(c.error().message()).isEqualTo(c.message());
    String body = c.message().substring(c.error().field().length() + 2);
    assertThat(c.error().body()).isEqualTo(body);
    assertThat(c.error().toStatusCause()).isEqualTo(N.objectNode()
        .put("reason", c.reason()).put("message", body).put("field", c.error().field()));
  }

  @Test
  void invalidMessageAggregatesAndDeduplicates() {
    FieldError a = FieldError.required("spec.name", "");
    FieldError b = FieldError.tooLong("spec.x", 8);
    assertThat(FieldErrors.invalidMessage("Probe.annex.test", "req", List.of(a)))
        .isEqualTo("Probe.annex.test \"req\" is invalid: spec.name: Required value");
    assertThat(FieldErrors.invalidMessage("Probe.annex.test", "m", List.of(a, b, a)))
        .isEqualTo("Probe.annex.test \"m\" is invalid: [spec.name: Required value, spec.x: Too long: may not be more than 8 bytes]");
    assertThat(FieldErrors.invalidMessage("Probe.annex.test", "n", List.of()))
        .isEqualTo("Probe.annex.test \"n\" is invalid");
  }

  @Test
  void goQuotingAndFloats() {
    assertThat(GoText.quote("a\tb\u0001\u00e9")).isEqualTo("\"a\\tb\\x01\u00e9\"");
    assertThat(GoText.goFloat(1e6)).isEqualTo("1e+06");
    assertThat(GoText.goFloat(123456)).isEqualTo("123456");
    assertThat(GoText.goFloat(0.25)).isEqualTo("0.25");
    assertThat(GoText.goFloat(0.00001)).isEqualTo("1e-05");
    assertThat(GoText.number(N.numberNode(2.0))).isEqualTo("2");
  }
}
