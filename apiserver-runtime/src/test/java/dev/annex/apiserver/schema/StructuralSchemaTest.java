package dev.annex.apiserver.schema;

import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.InvalidDefinitionException;
import dev.annex.apiserver.definition.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.annex.apiserver.schema.ProbeSchema.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Non-structural schemas are refused with apiextensions' words. Each expected text is what
 * kube-apiserver v1.37.2 answered for a CRD with that schema, with its
 * {@code spec.validation.openAPIV3Schema} prefix read as {@code openAPIV3Schema}.
 */
class StructuralSchemaTest {

  record Case(String name, String schema, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> refused() {
    return Stream.of(
        new Case("type missing", "{\"type\":\"object\",\"properties\":{\"spec\":{\"properties\":{\"a\":{\"type\":\"string\"}}}}}",
            "openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"),
        new Case("additionalProperties with properties", "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
            + "\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":{\"type\":\"string\"}}}}",
            "openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"),
        new Case("array without items", "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"array\"}}}",
            "openAPIV3Schema.properties[spec].items: Required value: must be specified"),
        new Case("preserve-unknown-fields false", "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
            + "\"x-kubernetes-preserve-unknown-fields\":false}}}",
            "openAPIV3Schema.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"),
        new Case("metadata beyond name", "{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\","
            + "\"properties\":{\"labels\":{\"type\":\"object\"}}}}}",
            "openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, "
                + "but metadata is implicitly specified"),
        new Case("root not an object", "{\"type\":\"string\"}",
            "openAPIV3Schema.type: Invalid value: \"string\": must be object at the root"),
        new Case("uniqueItems", "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"uniqueItems\":true}}}",
            "openAPIV3Schema.properties[s].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime "
                + "complexity becomes quadratic"),
        new Case("list-type map without keys", "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"array\","
            + "\"items\":{\"type\":\"string\"},\"x-kubernetes-list-type\":\"map\"}}}",
            "[openAPIV3Schema.properties[s].x-kubernetes-list-map-keys: Required value: must not be empty if "
                + "x-kubernetes-list-type is map, openAPIV3Schema.properties[s].items.type: Invalid value: \"string\": "
                + "must be object if parent array's x-kubernetes-list-type is map]"),
        new Case("types inside a junctor", "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"anyOf\":"
            + "[{\"type\":\"object\",\"description\":\"x\",\"properties\":{\"a\":{\"type\":\"string\"}}}]}}}",
            "[openAPIV3Schema.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural, "
                + "openAPIV3Schema.properties[spec].anyOf[0].description: Forbidden: must be empty to be structural, "
                + "openAPIV3Schema.properties[spec].anyOf[0].properties[a].type: Forbidden: must be empty to be structural]"),
        new Case("$ref", "{\"type\":\"object\",\"properties\":{\"s\":{\"$ref\":\"#/x\"}}}",
            "[openAPIV3Schema.properties[s].$ref: Forbidden: $ref is not supported, "
                + "openAPIV3Schema.properties[s].type: Required value: must not be empty for specified object fields]"),
        // Annex's own rule: CEL is not evaluated here, so rules are refused rather than silently ignored.
        new Case("CEL rules", "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
            + "\"x-kubernetes-validations\":[{\"rule\":\"self.a > 0\"}]}}}",
            "openAPIV3Schema.properties[spec].x-kubernetes-validations: Forbidden: CEL validation rules are not "
                + "supported by the Annex apiserver runtime"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void nonStructuralSchemasAreRefusedNamingPathAndRule(Case c) {
    assertThatThrownBy(() -> StructuralSchema.of(json(c.schema())))
        .isInstanceOf(InvalidDefinitionException.class)
        .hasMessage(c.message());
  }

  @Test
  void schemasKubeApiserverAcceptsAreAccepted() {
    // Both were accepted by kube-apiserver v1.37.2 (dry-run create of the CRD).
    StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"x-kubernetes-int-or-string\":true}}}"));
    StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"object\",\"properties\":{\"a\":"
        + "{\"type\":\"string\"}},\"anyOf\":[{\"properties\":{\"b\":{\"pattern\":\"x\"}}}]}}}"));
    StructuralSchema.of(ProbeSchema.openAPIV3Schema());
  }

  @Test
  void everyExampleResourceSchemaIsStructural() throws Exception {
    ApiDefinition wardle = ApiDefinition.read(Path.of(System.getProperty("annex.examples", "../examples"), "wardle.yaml"));
    for (Resource r : wardle.resources()) {
      assertThat(StructuralSchema.of(r.openAPIV3Schema()).raw()).isSameAs(r.openAPIV3Schema());
    }
  }
}
