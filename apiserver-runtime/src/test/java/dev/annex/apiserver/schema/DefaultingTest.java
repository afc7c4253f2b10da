package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static dev.annex.apiserver.schema.ProbeSchema.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Defaulting as apiextensions does it; the probe cases are what kube-apiserver v1.37.2 stored. */
class DefaultingTest {

  record Case(String name, String schema, String before, String after) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String WARDLE = "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
      + "\"properties\":{\"reference\":{\"type\":\"string\"},\"referenceType\":{\"type\":\"string\","
      + "\"enum\":[\"Flunder\",\"Fischer\"],\"default\":\"Flunder\"}}}}}";

  static Stream<Case> cases() {
    String probe = ProbeSchema.openAPIV3Schema().toString();
    return Stream.of(
        // kube-apiserver returned spec {"defaulted": {"size": 3}, "name": "abc"}: the defaulted object is
        // created from its own default ({}) and defaulted inside; "nested" has no default, so no "deep".
        new Case("object default then defaults inside it", probe,
            "{\"spec\":{\"name\":\"abc\"}}", "{\"spec\":{\"name\":\"abc\",\"defaulted\":{\"size\":3}}}"),
        new Case("existing values are kept", probe,
            "{\"spec\":{\"name\":\"abc\",\"defaulted\":{\"size\":5}}}", "{\"spec\":{\"name\":\"abc\",\"defaulted\":{\"size\":5}}}"),
        new Case("defaults inside an existing object", probe,
            "{\"spec\":{\"name\":\"abc\",\"nested\":{}}}",
            "{\"spec\":{\"name\":\"abc\",\"nested\":{\"deep\":\"d\"},\"defaulted\":{\"size\":3}}}"),
        // kube-apiserver stored {"name":"abc","nullableField":null} for nullableField: null, enabled: null.
        new Case("non-nullable nulls without default are dropped", probe,
            "{\"spec\":{\"name\":\"abc\",\"nullableField\":null,\"enabled\":null}}",
            "{\"spec\":{\"name\":\"abc\",\"nullableField\":null,\"defaulted\":{\"size\":3}}}"),
        new Case("a null with a default gets the default", probe,
            "{\"spec\":{\"name\":\"abc\",\"defaulted\":null}}", "{\"spec\":{\"name\":\"abc\",\"defaulted\":{\"size\":3}}}"),
        new Case("no spec, no defaults below it", WARDLE, "{\"metadata\":{\"name\":\"x\"}}", "{\"metadata\":{\"name\":\"x\"}}"),
        new Case("wardle referenceType", WARDLE, "{\"spec\":{\"reference\":\"y\"}}",
            "{\"spec\":{\"reference\":\"y\",\"referenceType\":\"Flunder\"}}"),
        new Case("array items and map values",
            "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                + "\"properties\":{\"p\":{\"type\":\"integer\",\"default\":80}}}},\"m\":{\"type\":\"object\","
                + "\"additionalProperties\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\",\"default\":\"z\"}}}}}}",
            "{\"l\":[{},{\"p\":1}],\"m\":{\"a\":{}}}", "{\"l\":[{\"p\":80},{\"p\":1}],\"m\":{\"a\":{\"q\":\"z\"}}}"),
        new Case("defaults under preserve-unknown-fields", "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\","
                + "\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{\"d\":{\"type\":\"string\",\"default\":\"v\"}}}}}",
            "{\"o\":{\"free\":1}}", "{\"o\":{\"free\":1,\"d\":\"v\"}}"),
        new Case("defaults are copies", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"default\":{\"k\":[1]}},"
                + "\"b\":{\"type\":\"object\",\"default\":{\"k\":[1]}}}}",
            "{}", "{\"a\":{\"k\":[1]},\"b\":{\"k\":[1]}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void appliesDefaultsWhereApiextensionsDoes(Case c) {
    StructuralSchema schema = StructuralSchema.of(json(c.schema()));
    ObjectNode object = (ObjectNode) json(c.before());
    schema.applyDefaults(object);
    assertThat(object).isEqualTo(json(c.after()));
  }

  @org.junit.jupiter.api.Test
  void aDefaultIsNeverSharedBetweenObjects() {
    StructuralSchema schema = StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\","
        + "\"default\":{\"k\":\"v\"}}}}"));
    ObjectNode first = (ObjectNode) json("{}");
    schema.applyDefaults(first);
    ((ObjectNode) first.get("a")).put("k", "changed");
    ObjectNode second = (ObjectNode) json("{}");
    schema.applyDefaults(second);
    JsonNode expected = json("{\"a\":{\"k\":\"v\"}}");
    assertThat(second).isEqualTo(expected);
  }
}
