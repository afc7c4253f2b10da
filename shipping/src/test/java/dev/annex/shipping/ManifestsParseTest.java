package dev.annex.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.CRDDescription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every YAML a user applies (deploy/, bundle/manifests/, examples/) parsed by the fabric8 client into
 * its typed kind, with the fields the API requires of that kind. (OperatorRbacIT also applies deploy/
 * and the examples to the real kube-apiserver, with server-side dry-run where they cannot run.)
 */
class ManifestsParseTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Class<?>> KNOWN = Set.of(CustomResourceDefinition.class, Namespace.class,
      ServiceAccount.class, ClusterRole.class, ClusterRoleBinding.class, Deployment.class,
      ClusterServiceVersion.class, AggregatedApi.class);
  private static KubernetesClient client;
  private final Path root = Repository.root();

  @BeforeAll
  static void client() {
    // Only its parser is used: no request is made.
    client = new KubernetesClientBuilder().build();
    client.getKubernetesSerialization().registerKubernetesResource(AggregatedApi.class);
  }

  @AfterAll
  static void close() {
    client.close();
  }

  @Test
  void everyDocumentIsAKnownKindWithItsRequiredFields() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).extracting(f -> root.relativize(f).toString())
        .contains("deploy/annex.yaml", "bundle/manifests/annex-operator.clusterserviceversion.yaml", "examples/wardle.yaml");
    int documents = 0;
    for (Path file : files) {
      for (HasMetadata object : parse(file)) {
        String where = root.relativize(file) + ": " + object.getKind() + " " + object.getMetadata().getName();
        assertThat(object).as(where).isNotInstanceOf(GenericKubernetesResource.class);
        assertThat(KNOWN).as(where).contains(object.getClass());
        assertThat(object.getApiVersion()).as(where).isEqualTo(HasMetadata.getApiVersion(object.getClass()));
        assertThat(object.getMetadata().getName()).as(where).isNotBlank();
        check(object, where);
        documents++;
      }
    }
    assertThat(documents).isGreaterThanOrEqualTo(2 * 6 + 2 + 1);
  }

  @Test
  void theCsvHasEveryFieldOperatorHubShows() throws IOException {
    ClusterServiceVersion csv = (ClusterServiceVersion) parse(
        root.resolve("bundle/manifests/annex-operator.clusterserviceversion.yaml")).get(0);
    Map<String, String> annotations = csv.getMetadata().getAnnotations();
    assertThat(annotations).containsKeys("alm-examples", "capabilities", "categories", "containerImage", "createdAt",
        "description", "repository");
    assertThat(annotations.get("containerImage")).isEqualTo(Release.current().operatorImage());
    var spec = csv.getSpec();
    assertThat(spec.getVersion()).isEqualTo(Release.current().olmVersion());
    assertThat(csv.getMetadata().getName()).isEqualTo("annex-operator.v" + spec.getVersion());
    assertThat(spec.getDisplayName()).isNotBlank();
    assertThat(spec.getDescription()).contains("AggregatedApi");
    assertThat(spec.getMinKubeVersion()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(spec.getIcon()).singleElement().satisfies(i -> {
      assertThat(i.getMediatype()).isEqualTo("image/svg+xml");
      assertThat(new String(java.util.Base64.getDecoder().decode(i.getBase64data()))).startsWith("<svg");
    });
    assertThat(spec.getKeywords()).isNotEmpty();
    assertThat(spec.getMaintainers()).allSatisfy(m -> assertThat(m.getEmail()).contains("@"));
    assertThat(spec.getProvider().getName()).isNotBlank();
    assertThat(spec.getLinks()).isNotEmpty();
    assertThat(spec.getInstallModes()).anyMatch(m -> m.getType().equals("AllNamespaces") && m.getSupported());
    assertThat(spec.getInstall().getStrategy()).isEqualTo("deployment");
    assertThat(spec.getRelatedImages()).extracting(i -> i.getImage())
        .containsExactly(Release.current().operatorImage(), Release.current().runtimeImage());

    CRDDescription owned = spec.getCustomresourcedefinitions().getOwned().get(0);
    assertThat(owned.getName()).isEqualTo("aggregatedapis.annex.dev");
    assertThat(owned.getKind()).isEqualTo("AggregatedApi");
    assertThat(owned.getVersion()).isEqualTo("v1alpha1");
    assertThat(owned.getDisplayName()).isNotBlank();
    assertThat(owned.getDescription()).isNotBlank();
    assertThat(owned.getSpecDescriptors()).extracting(d -> d.getPath()).contains("group", "versions", "resources");
    assertThat(owned.getStatusDescriptors()).anySatisfy(d -> {
      assertThat(d.getPath()).isEqualTo("conditions");
      assertThat(d.getXDescriptors()).contains("urn:alm:descriptor:io.kubernetes.conditions");
    });

    // alm-examples: every example, each an object of the owned kind that the fabric8 client reads.
    JsonNode examples = JSON.readTree(annotations.get("alm-examples"));
    assertThat(examples.size()).isEqualTo(ShippedFiles.examples(root).size());
    for (JsonNode example : examples) {
      HasMetadata object = client.getKubernetesSerialization().unmarshal(example.toString());
      assertThat(object).isInstanceOf(AggregatedApi.class);
      assertThat(((AggregatedApi) object).getSpec().group).isNotBlank();
    }
  }

  @Test
  void theBundleMetadataNamesItsManifestsAndChannels() throws IOException {
    JsonNode annotations = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(root.resolve("bundle/metadata/annotations.yaml").toFile()).get("annotations");
    String prefix = "operators.operatorframework.io.bundle.";
    assertThat(annotations.get(prefix + "mediatype.v1").asText()).isEqualTo("registry+v1");
    assertThat(root.resolve("bundle").resolve(annotations.get(prefix + "manifests.v1").asText())).isDirectory();
    assertThat(root.resolve("bundle").resolve(annotations.get(prefix + "metadata.v1").asText())).isDirectory();
    assertThat(annotations.get(prefix + "package.v1").asText()).isEqualTo("annex-operator");
    assertThat(annotations.get(prefix + "channels.v1").asText().split(","))
        .contains(annotations.get(prefix + "channel.default.v1").asText());
  }

  private void check(HasMetadata object, String where) {
    if (object instanceof CustomResourceDefinition crd) {
      assertThat(crd.getSpec().getGroup()).as(where).isEqualTo("annex.dev");
      assertThat(crd.getSpec().getNames().getPlural()).as(where).isEqualTo("aggregatedapis");
      assertThat(crd.getSpec().getVersions()).as(where).allSatisfy(v ->
          assertThat(v.getSchema().getOpenAPIV3Schema().getType()).isEqualTo("object"));
      assertThat(crd.getSpec().getVersions()).as(where).filteredOn(v -> v.getStorage()).hasSize(1);
    } else if (object instanceof ServiceAccount sa) {
      assertThat(sa.getMetadata().getNamespace()).as(where).isNotBlank();
    } else if (object instanceof ClusterRole role) {
      assertThat(role.getRules()).as(where).isNotEmpty().allSatisfy(r -> {
        assertThat(r.getApiGroups()).isNotEmpty();
        assertThat(r.getResources()).isNotEmpty();
        assertThat(r.getVerbs()).isNotEmpty();
      });
    } else if (object instanceof ClusterRoleBinding binding) {
      assertThat(binding.getRoleRef().getKind()).as(where).isEqualTo("ClusterRole");
      assertThat(binding.getRoleRef().getName()).as(where).isEqualTo("annex-operator");
      assertThat(binding.getSubjects()).as(where).singleElement().satisfies(s -> {
        assertThat(s.getKind()).isEqualTo("ServiceAccount");
        assertThat(s.getNamespace()).isNotBlank();
      });
    } else if (object instanceof Deployment deployment) {
      var spec = deployment.getSpec();
      assertThat(deployment.getMetadata().getNamespace()).as(where).isNotBlank();
      assertThat(spec.getTemplate().getMetadata().getLabels()).as(where)
          .containsAllEntriesOf(spec.getSelector().getMatchLabels());
      assertThat(spec.getTemplate().getSpec().getContainers()).as(where).isNotEmpty()
          .allSatisfy(c -> assertThat(c.getImage()).isNotBlank())
          // a slow first start (informers syncing on a busy cluster) is not killed by liveness
          .allSatisfy(c -> assertThat(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold())
              .as(where + ": the startup probe's budget").isGreaterThanOrEqualTo(120)
              .isGreaterThan(c.getLivenessProbe().getPeriodSeconds() * c.getLivenessProbe().getFailureThreshold()));
      assertThat(spec.getTemplate().getSpec().getServiceAccountName()).as(where).isEqualTo("annex-operator");
    } else if (object instanceof AggregatedApi api) {
      assertThat(api.getSpec().group).as(where).contains(".");
      assertThat(api.getSpec().versions).as(where).isNotEmpty();
      assertThat(api.getSpec().resources).as(where).isNotEmpty();
    }
  }

  private List<HasMetadata> parse(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new ArrayList<>(client.load(in).items());
    }
  }

  private List<Path> yamlFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String folder : List.of("deploy", "bundle/manifests", "examples")) {
      try (Stream<Path> walk = Files.walk(root.resolve(folder))) {
        walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
      }
    }
    return files;
  }
}
