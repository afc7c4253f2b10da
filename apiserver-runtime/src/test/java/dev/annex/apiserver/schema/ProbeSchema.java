package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The schema of the {@code probes.annex.test} CRD (test resource {@code probe-crd.yaml}) that the
 * expected texts of these tests were asked from: a real kube-apiserver v1.37.2 answered each case
 * (POST with {@code dryRun=All}); the strings below are copied from its Status responses.
 */
final class ProbeSchema {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ProbeSchema() {
  }

  static JsonNode openAPIV3Schema() {
    try (InputStream in = ProbeSchema.class.getResourceAsStream("probe-crd.yaml")) {
      return YAML.readTree(in).path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StructuralSchema schema() {
    return StructuralSchema.of(openAPIV3Schema());
  }

  /** A Probe object with this spec (JSON text), as the probes were posted. */
  static ObjectNode probe(String name, String specJson) {
    try {
      ObjectNode o = JSON.createObjectNode();
      o.put("apiVersion", "annex.test/v1").put("kind", "Probe");
      o.putObject("metadata").put("name", name);
      o.set("spec", JSON.readTree(specJson));
      return o;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
