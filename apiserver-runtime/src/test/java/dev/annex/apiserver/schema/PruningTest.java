package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.annex.apiserver.schema.ProbeSchema.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pruning against the probe schema. The expected paths are those kube-apiserver v1.37.2 listed in
 * its {@code fieldValidation=Strict} errors (the {@code metadata.*} ones excepted: root metadata is
 * the server's, and upstream lists them first).
 */
class PruningTest {

  private static final StructuralSchema SCHEMA = ProbeSchema.schema();

  @Test
  void unknownFieldsArePrunedAndReportedSortedThenEmbeddedMetadataLast() {
    // Strict answered: unknown field "metadata.bogus", unknown field "aaa", unknown field
    // "spec.ports[0].extra", unknown field "status.extra", unknown field "zzz",
    // unknown field "spec.template.metadata.other"
    ObjectNode object = (ObjectNode) json("{\"apiVersion\":\"annex.test/v1\",\"kind\":\"Probe\","
        + "\"metadata\":{\"name\":\"x\",\"bogus\":1},\"zzz\":1,\"aaa\":{\"b\":1},\"spec\":{\"name\":\"abc\","
        + "\"ports\":[{\"name\":\"a\",\"extra\":{\"q\":1}}],\"labels\":{\"k\":\"v\"},\"raw\":{\"deep\":{\"x\":1}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"},\"other\":2}}},\"status\":{\"phase\":\"x\",\"extra\":true}}");
    List<String> unknown = SCHEMA.pruneUnknownFields(object);
    assertThat(unknown).containsExactly("aaa", "spec.ports[0].extra", "status.extra", "zzz",
        "spec.template.metadata.other");
    assertThat(unknown).extracting(StructuralSchema::unknownFieldMessage)
        .startsWith("unknown field \"aaa\"", "unknown field \"spec.ports[0].extra\"");
    assertThat(object).isEqualTo(json("{\"apiVersion\":\"annex.test/v1\",\"kind\":\"Probe\","
        + "\"metadata\":{\"name\":\"x\",\"bogus\":1},\"spec\":{\"name\":\"abc\",\"ports\":[{\"name\":\"a\"}],"
        + "\"labels\":{\"k\":\"v\"},\"raw\":{\"deep\":{\"x\":1}},\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}},"
        + "\"status\":{\"phase\":\"x\"}}"));
  }

  @Test
  void itemPathsAndPreservedSubtrees() {
    // Strict answered: unknown field "spec.foo", unknown field "spec.items[0].bar",
    // unknown field "spec.template.metadata.junk"
    ObjectNode object = ProbeSchema.probe("strict", "{\"name\":\"abc\",\"foo\":1,\"items\":[{\"bar\":1}],"
        + "\"template\":{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"name\":\"n\",\"junk\":1},\"x\":1},\"raw\":{\"y\":1}}");
    assertThat(SCHEMA.pruneUnknownFields(object))
        .containsExactly("spec.foo", "spec.items[0].bar", "spec.template.metadata.junk");
    assertThat(object.get("spec")).isEqualTo(json("{\"name\":\"abc\",\"items\":[{}],"
        + "\"template\":{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"name\":\"n\"},\"x\":1},\"raw\":{\"y\":1}}"));
  }

  @Test
  void aSchemaThatPreservesUnknownFieldsAtTheRootKeepsEverythingUndeclared() {
    StructuralSchema open = StructuralSchema.of(json("{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true,"
        + "\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}}"));
    ObjectNode object = (ObjectNode) json("{\"kind\":\"K\",\"other\":{\"x\":1},\"spec\":{\"a\":\"1\",\"b\":2}}");
    assertThat(open.pruneUnknownFields(object)).containsExactly("spec.b");
    assertThat(object).isEqualTo(json("{\"kind\":\"K\",\"other\":{\"x\":1},\"spec\":{\"a\":\"1\"}}"));
  }

  @Test
  void additionalPropertiesSchemasPruneInsideEachValue() {
    StructuralSchema s = StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\","
        + "\"additionalProperties\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\"}}}}}}"));
    ObjectNode object = (ObjectNode) json("{\"m\":{\"k1\":{\"v\":\"1\",\"w\":2},\"k2\":{}}}");
    assertThat(s.pruneUnknownFields(object)).containsExactly("m.k1.w");
    assertThat(object).isEqualTo(json("{\"m\":{\"k1\":{\"v\":\"1\"},\"k2\":{}}}"));
  }

  @Test
  void nestedMetadataIsAnOrdinaryFieldOutsideEmbeddedResources() {
    StructuralSchema s = StructuralSchema.of(json("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\"}}}"));
    ObjectNode object = (ObjectNode) json("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"metadata\":{},\"kind\":\"x\"}}");
    assertThat(s.pruneUnknownFields(object)).containsExactly("spec.kind", "spec.metadata");
  }
}
