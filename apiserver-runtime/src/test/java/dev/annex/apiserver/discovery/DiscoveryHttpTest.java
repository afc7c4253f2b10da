package dev.annex.apiserver.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Discovery documents as kube-apiserver serves them for a CRD group. */
class DiscoveryHttpTest {

  static final String AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

  @TempDir
  static Path dir;
  static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void apisListsTheGroupWithTheHighestPriorityVersionPreferred() throws Exception {
    JsonNode list = json(server.get("/apis"));
    assertThat(list.path("kind").asText()).isEqualTo("APIGroupList");
    JsonNode group = list.path("groups").get(0);
    assertThat(group.path("name").asText()).isEqualTo("wardle.example.com");
    assertThat(group.path("versions").get(0).path("groupVersion").asText()).isEqualTo("wardle.example.com/v1beta1");
    assertThat(group.path("preferredVersion").path("version").asText()).isEqualTo("v1beta1");
    assertThat(json(server.get("/apis/wardle.example.com")).path("kind").asText()).isEqualTo("APIGroup");
  }

  @Test
  void groupVersionListsResourcesWithVerbsNamesAndTheStatusSubresource() throws Exception {
    JsonNode list = json(server.get("/apis/wardle.example.com/v1alpha1"));
    assertThat(list.path("kind").asText()).isEqualTo("APIResourceList");
    List<String> names = new ArrayList<>();
    list.path("resources").forEach(r -> names.add(r.path("name").asText()));
    assertThat(names).containsExactly("flunders", "flunders/status", "fischers");
    JsonNode flunders = list.path("resources").get(0);
    assertThat(flunders.path("singularName").asText()).isEqualTo("flunder");
    assertThat(flunders.path("namespaced").asBoolean()).isTrue();
    assertThat(flunders.path("shortNames").get(0).asText()).isEqualTo("fl");
    assertThat(flunders.path("categories").get(0).asText()).isEqualTo("wardle");
    assertThat(flunders.path("verbs").toString())
        .isEqualTo("[\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"create\",\"update\",\"watch\"]");
    assertThat(list.path("resources").get(1).path("verbs").toString()).isEqualTo("[\"get\",\"patch\",\"update\"]");
    assertThat(list.path("resources").get(2).path("namespaced").asBoolean()).isFalse();
  }

  @Test
  void aggregatedDiscoveryHasAnEtagAndAnswers304ToIt() throws Exception {
    HttpResponse<String> r = server.get("/apis", "Accept", AGGREGATED);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    JsonNode doc = json(r);
    assertThat(doc.path("kind").asText()).isEqualTo("APIGroupDiscoveryList");
    JsonNode version = doc.path("items").get(0).path("versions").get(0);
    assertThat(version.path("version").asText()).isEqualTo("v1beta1");
    JsonNode flunders = version.path("resources").get(0);
    assertThat(flunders.path("resource").asText()).isEqualTo("flunders");
    assertThat(flunders.path("scope").asText()).isEqualTo("Namespaced");
    assertThat(flunders.path("responseKind").path("kind").asText()).isEqualTo("Flunder");
    assertThat(flunders.path("subresources").get(0).path("subresource").asText()).isEqualTo("status");
    String etag = r.headers().firstValue("etag").orElseThrow();
    HttpResponse<String> again = server.get("/apis", "Accept", AGGREGATED, "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(server.get("/apis", "Accept", AGGREGATED, "If-None-Match", "\"stale\"").statusCode()).isEqualTo(200);
  }

  @Test
  void theGroupVersionDocumentAnswersWellWithinTheAggregatorsProbeTimeout() throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(server.get("/apis/wardle.example.com/v1beta1").statusCode()).isEqualTo(200);
    }
    assertThat((System.nanoTime() - start) / 20 / 1_000_000).as("mean ms per request").isLessThan(500);
  }

  @Test
  void openApiDocumentsDescribeTheKinds() throws Exception {
    HttpResponse<String> v2 = server.get("/openapi/v2");
    assertThat(v2.statusCode()).isEqualTo(200);
    assertThat(v2.body()).contains("wardle.example.com");
    JsonNode index = json(server.get("/openapi/v3"));
    assertThat(index.path("paths").has("apis/wardle.example.com/v1alpha1")).isTrue();
    HttpResponse<String> gv = server.get("/openapi/v3/apis/wardle.example.com/v1alpha1");
    assertThat(gv.statusCode()).isEqualTo(200);
    assertThat(gv.body()).contains("Flunder");
    assertThat(server.get("/openapi/v3/apis/wardle.example.com/v9").statusCode()).isEqualTo(404);
  }
}
