package dev.annex.apiserver.fabric8;

import dev.annex.apiserver.testsupport.RunningServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The fabric8 client with generic resources: create, list, watch through an informer, patch, server-side apply. */
class Fabric8ClientTest {

  static final ResourceDefinitionContext FLUNDERS = new ResourceDefinitionContext.Builder()
      .withGroup("wardle.example.com").withVersion("v1alpha1").withKind("Flunder").withPlural("flunders")
      .withNamespaced(true).build();

  @TempDir
  static Path dir;
  static RunningServer server;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl("https://127.0.0.1:" + server.port())
        .withCaCertFile(server.pki().caFile().toString())
        .withClientCertFile(server.admin().certFile().toString())
        .withClientKeyFile(server.admin().keyFile().toString())
        .withClientKeyAlgo("EC")
        .withNamespace("fabric8")
        .build();
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static GenericKubernetesResource flunder(String name, String reference) {
    return new GenericKubernetesResourceBuilder().withApiVersion("wardle.example.com/v1alpha1").withKind("Flunder")
        .withNewMetadata().withName(name).withLabels(Map.of("app", "fabric8")).endMetadata()
        .addToAdditionalProperties("spec", Map.of("reference", reference)).build();
  }

  @Test
  void createListPatchAndDeleteGenericResources() {
    GenericKubernetesResource created = client.genericKubernetesResources(FLUNDERS).resource(flunder("one", "a")).create();
    assertThat(created.getMetadata().getUid()).isNotEmpty();
    assertThat(created.get("spec", "referenceType").toString()).isEqualTo("Flunder");

    GenericKubernetesResourceList list = client.genericKubernetesResources(FLUNDERS).withLabel("app", "fabric8").list();
    assertThat(list.getItems()).extracting(r -> r.getMetadata().getName()).contains("one");
    assertThat(list.getMetadata().getResourceVersion()).isNotEmpty();

    GenericKubernetesResource patched = client.genericKubernetesResources(FLUNDERS).withName("one")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"reference\":\"b\"}}");
    assertThat(patched.get("spec", "reference").toString()).isEqualTo("b");
    assertThat(patched.getMetadata().getGeneration()).isEqualTo(2L);

    GenericKubernetesResource edited = client.genericKubernetesResources(FLUNDERS).withName("one")
        .edit(r -> {
          r.getMetadata().getLabels().put("edited", "yes");
          return r;
        });
    assertThat(edited.getMetadata().getLabels()).containsEntry("edited", "yes");

    assertThatThrownBy(() -> client.genericKubernetesResources(FLUNDERS).resource(flunder("one", "a")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    assertThat(client.genericKubernetesResources(FLUNDERS).withName("one").delete()).hasSize(1);
    assertThat(client.genericKubernetesResources(FLUNDERS).withName("one").get()).isNull();
  }

  @Test
  void anInformerSeesAddsUpdatesAndDeletes() {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(FLUNDERS)
        .inNamespace("informed").inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource obj) {
            seen.add("add " + obj.getMetadata().getName());
          }

          @Override
          public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
            seen.add("update " + newObj.getMetadata().getName() + " " + newObj.get("spec", "reference"));
          }

          @Override
          public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
            seen.add("delete " + obj.getMetadata().getName());
          }
        });
    try {
      await().atMost(Duration.ofSeconds(10)).alias("the informer has synced").until(informer::hasSynced);
      client.genericKubernetesResources(FLUNDERS).inNamespace("informed").resource(flunder("watched", "a")).create();
      client.genericKubernetesResources(FLUNDERS).inNamespace("informed").withName("watched")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"reference\":\"z\"}}");
      client.genericKubernetesResources(FLUNDERS).inNamespace("informed").withName("watched").delete();
      await().atMost(Duration.ofSeconds(10)).alias("add, update and delete events")
          .untilAsserted(() -> assertThat(seen).contains("add watched", "update watched z", "delete watched"));
    } finally {
      informer.close();
    }
  }

  @Test
  void serverSideApplyCreatesThenConflictsWithAnotherManagerUnlessForced() {
    GenericKubernetesResource created = client.genericKubernetesResources(FLUNDERS).resource(flunder("applied", "a"))
        .fieldManager("fabric8-test").serverSideApply();
    assertThat(created.getMetadata().getUid()).isNotEmpty();
    assertThat(created.getMetadata().getManagedFields()).extracting(m -> m.getManager() + "/" + m.getOperation())
        .contains("fabric8-test/Apply");

    assertThatThrownBy(() -> client.genericKubernetesResources(FLUNDERS).resource(flunder("applied", "b"))
        .fieldManager("other").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getMessage())
              .isEqualTo("Apply failed with 1 conflict: conflict with \"fabric8-test\": .spec.reference");
        });

    GenericKubernetesResource forced = client.genericKubernetesResources(FLUNDERS).resource(flunder("applied", "b"))
        .fieldManager("other").forceConflicts().serverSideApply();
    assertThat(forced.get("spec", "reference").toString()).isEqualTo("b");
    assertThat(forced.getMetadata().getManagedFields()).extracting(m -> m.getManager() + "/" + m.getOperation())
        .contains("fabric8-test/Apply", "other/Apply");
  }
}
