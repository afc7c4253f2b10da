package dev.annex.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documents compared with what kube-apiserver v1.37.2 published for the wardle CRDs (test
 * resources: its whole {@code /openapi/v3/apis/wardle.example.com/v1alpha1} and the wardle part of
 * its {@code /openapi/v2}).
 */
class OpenApiDocumentsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ApiDefinition wardle() throws IOException {
    return ApiDefinition.read(Path.of(System.getProperty("annex.examples", "../examples"), "wardle.yaml"));
  }

  private static JsonNode reference(String name) throws IOException {
    try (InputStream in = OpenApiDocumentsTest.class.getResourceAsStream(name)) {
      return JSON.readTree(in);
    }
  }

  @Test
  void v3GroupVersionDocumentIsKubeApiserversOne() throws IOException {
    JsonNode expected = reference("kube-apiserver-v1.37.2-wardle-v1alpha1-v3.json");
    ObjectNode actual = new OpenApiDocuments(wardle()).v3("wardle.example.com", "v1alpha1").orElseThrow();
    assertThat(actual.get("openapi")).isEqualTo(expected.get("openapi"));
    assertThat(actual.get("info")).isEqualTo(expected.get("info"));
    assertThat(names(actual.get("paths"))).containsExactlyElementsOf(names(expected.get("paths")));
    expected.get("paths").fields().forEachRemaining(e ->
        assertThat(actual.get("paths").get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
    JsonNode schemas = actual.path("components").path("schemas");
    assertThat(names(schemas)).containsExactlyElementsOf(names(expected.path("components").path("schemas")));
    expected.path("components").path("schemas").fields().forEachRemaining(e ->
        assertThat(schemas.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
  }

  @Test
  void v2HasTheGroupsPathsAndDefinitionsAsKubeApiserver() throws IOException {
    JsonNode expected = reference("kube-apiserver-v1.37.2-wardle-v2-subset.json");
    ObjectNode v2 = new OpenApiDocuments(wardle()).v2();
    assertThat(v2.get("swagger").asText()).isEqualTo("2.0");
    assertThat(names(v2.get("paths"))).containsExactlyInAnyOrderElementsOf(names(expected.get("paths")));
    expected.get("paths").fields().forEachRemaining(e ->
        assertThat(v2.get("paths").get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
    expected.get("definitions").fields().forEachRemaining(e ->
        assertThat(v2.get("definitions").get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
  }

  @Test
  void everyV2ReferenceResolvesInsideTheDocument() throws IOException {
    ObjectNode v2 = new OpenApiDocuments(wardle()).v2();
    List<String> refs = new ArrayList<>();
    collectRefs(v2, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      String[] parts = ref.substring(2).split("/", 2);
      assertThat(v2.path(parts[0]).has(parts[1])).as(ref).isTrue();
    }
    assertThat(v2.path("definitions").has("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")).isTrue();
    assertThat(v2.path("definitions").has("io.k8s.apimachinery.pkg.apis.meta.v1.Patch")).isTrue();
  }

  @Test
  void v3IndexNamesEachServedGroupVersionWithItsHash() throws Exception {
    OpenApiDocuments docs = new OpenApiDocuments(wardle());
    ObjectNode index = docs.v3Index();
    assertThat(names(index.get("paths")))
        .containsExactly("apis/wardle.example.com/v1alpha1", "apis/wardle.example.com/v1beta1");
    String hash = docs.v3Hash("wardle.example.com", "v1beta1").orElseThrow();
    assertThat(index.at("/paths/apis~1wardle.example.com~1v1beta1/serverRelativeURL").asText())
        .isEqualTo("/openapi/v3/apis/wardle.example.com/v1beta1?hash=" + hash);
    byte[] served = OpenApiDocuments.bytes(docs.v3("wardle.example.com", "v1beta1").orElseThrow());
    assertThat(hash).isEqualTo(HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(served)));
    assertThat(hash).hasSize(128).matches("[0-9A-F]+");
    assertThat(docs.v2ETag()).startsWith("\"").endsWith("\"").hasSize(130);
    assertThat(docs.v3("wardle.example.com", "v2")).isEmpty();
    assertThat(docs.v3("other.example.com", "v1alpha1")).isEmpty();
  }

  @Test
  void v1beta1DocumentNamesItsOwnVersionEverywhere() throws IOException {
    ObjectNode v1beta1 = new OpenApiDocuments(wardle()).v3("wardle.example.com", "v1beta1").orElseThrow();
    // The meta.k8s.io schemas are kube-apiserver's verbatim (DeleteOptions lists every built-in group's
    // versions, v1alpha1 among them), so only the paths and this group's kinds are checked.
    String text = v1beta1.get("paths").toString()
        + v1beta1.at("/components/schemas/com.example.wardle.v1beta1.Flunder").toString()
        + v1beta1.at("/components/schemas/com.example.wardle.v1beta1.FischerList").toString();
    assertThat(text).doesNotContain("v1alpha1", "V1alpha1", "__GROUP__", "__RGROUP__", "__GID__", "__gid__",
        "__VID__", "__VERSION__", "__KIND__", "__PLURAL__");
    assertThat(v1beta1.at("/components/schemas/com.example.wardle.v1beta1.Flunder/x-kubernetes-group-version-kind/0/version")
        .asText()).isEqualTo("v1beta1");
    assertThat(v1beta1.at("/paths/~1apis~1wardle.example.com~1v1beta1~1fischers/get/operationId").asText())
        .isEqualTo("listWardleExampleComV1beta1Fischer");
  }

  @Test
  void publishedSchemasUnfoldIntOrStringAndDescribeEmbeddedResources() throws IOException {
    JsonNode schema = JSON.readTree("{\"type\":\"object\",\"properties\":{\"port\":{\"x-kubernetes-int-or-string\":true},"
        + "\"t\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,\"x-kubernetes-preserve-unknown-fields\":true},"
        + "\"n\":{\"type\":\"string\",\"nullable\":true,\"default\":\"a\"}}}");
    JsonNode v3 = OpenApiDocuments.published(schema, false);
    assertThat(v3.at("/properties/port/anyOf")).isEqualTo(JSON.readTree("[{\"type\":\"integer\"},{\"type\":\"string\"}]"));
    assertThat(v3.at("/properties/t/required")).isEqualTo(JSON.readTree("[\"kind\",\"apiVersion\"]"));
    assertThat(v3.at("/properties/t/properties/metadata/allOf/0/$ref").asText())
        .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    assertThat(v3.at("/properties/n/default").asText()).isEqualTo("a");
    JsonNode v2 = OpenApiDocuments.published(schema, true);
    assertThat(v2.at("/properties/port/anyOf").isMissingNode()).isTrue();
    assertThat(v2.at("/properties/n")).isEqualTo(JSON.readTree("{}"));
    assertThat(v2.at("/properties/t")).isEqualTo(JSON.readTree("{\"x-kubernetes-embedded-resource\":true,"
        + "\"x-kubernetes-preserve-unknown-fields\":true}"));
  }

  @Test
  void operationIdsAreCamelCasedAsKubernetes() {
    assertThat(OpenApiDocuments.operationId("wardle.example.com", true)).isEqualTo("WardleExampleCom");
    assertThat(OpenApiDocuments.operationId("my-group.io", false)).isEqualTo("myGroupIo");
    assertThat(OpenApiDocuments.operationId("v1alpha1", true)).isEqualTo("V1alpha1");
    assertThat(OpenApiDocuments.modelName("wardle.example.com", "v1", "Flunder")).isEqualTo("com.example.wardle.v1.Flunder");
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref")) {
          refs.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), refs);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }
}
