package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The field manager built from the shipped wardle example, as the runtime will build it. */
class WardleExampleTest {

  @Test
  void twoManagersOnAWardleFlunderConflictAsKubeApiserverSays() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode root = yaml.readTree(Path.of(System.getProperty("annex.examples", "../examples"), "wardle.yaml").toFile());
    ApiDefinition api = ApiDefinition.fromAggregatedApi(root);
    Resource flunder = api.resources().stream().filter(r -> r.kind().equals("Flunder")).findFirst().orElseThrow();
    FieldManager fm = FieldManager.forResource(api.group(), "v1alpha1", flunder);

    ObjectNode created = fm.apply(null, yaml.readTree("""
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata: {name: my-first-flunder, namespace: wardle}
        spec: {reference: alpha}
        """), "kubectl-client-side-apply", false, "");
    assertThat(created.path("metadata").path("managedFields").get(0).path("fieldsV1").toString())
        .isEqualTo("{\"f:spec\":{\"f:reference\":{}}}");
    assertThatThrownBy(() -> fm.apply(created, yaml.readTree("""
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata: {name: my-first-flunder}
        spec: {reference: beta}
        """), "other", false, ""))
        .isInstanceOf(ApplyConflictException.class)
        .hasMessage("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\": .spec.reference");
    ObjectNode forced = fm.apply(created, yaml.readTree("""
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata: {name: my-first-flunder}
        spec: {reference: beta}
        """), "other", true, "");
    assertThat(forced.path("spec").path("reference").asText()).isEqualTo("beta");
    assertThat(forced.path("metadata").path("managedFields")).hasSize(1);
    assertThat(forced.path("metadata").path("managedFields").get(0).path("manager").asText()).isEqualTo("other");
  }
}
