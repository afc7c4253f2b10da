package dev.annex.shipping.olm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.annex.shipping.Release;
import dev.annex.shipping.install.InstallManifests;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.CRDDescription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.IconBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.NamedInstallStrategyBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.RelatedImageBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.StrategyDeploymentPermissionsBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.StrategyDeploymentSpecBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OLM bundle (registry+v1): the ClusterServiceVersion, assembled from the hand-written
 * {@code olm/csv-base.yaml} plus what deploy/ is made of (Deployment spec, ClusterRole rules), the
 * CRD, the examples and the release's images; and the bundle annotations, written both as
 * metadata/annotations.yaml and as the bundle.Dockerfile's labels.
 */
public final class OlmBundle {
  public static final String PACKAGE = "annex-operator";
  public static final String CHANNEL = "alpha";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private OlmBundle() {
  }

  /** {@code operators.operatorframework.io.bundle.*}, in the order operator-sdk writes them. */
  public static Map<String, String> annotations() {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("operators.operatorframework.io.bundle.mediatype.v1", "registry+v1");
    annotations.put("operators.operatorframework.io.bundle.manifests.v1", "manifests/");
    annotations.put("operators.operatorframework.io.bundle.metadata.v1", "metadata/");
    annotations.put("operators.operatorframework.io.bundle.package.v1", PACKAGE);
    annotations.put("operators.operatorframework.io.bundle.channels.v1", CHANNEL);
    annotations.put("operators.operatorframework.io.bundle.channel.default.v1", CHANNEL);
    return annotations;
  }

  public static String annotationsYaml() {
    StringBuilder yaml = new StringBuilder("annotations:\n");
    annotations().forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
    return yaml.toString();
  }

  /** Builds the bundle image from bundle/ (no engine here; for a user's `docker build -f bundle.Dockerfile bundle`). */
  public static String dockerfile() {
    StringBuilder file = new StringBuilder("FROM scratch\n\n");
    annotations().forEach((k, v) -> file.append("LABEL ").append(k).append('=').append(v).append('\n'));
    file.append("\nCOPY manifests /manifests/\nCOPY metadata /metadata/\n");
    return file.toString();
  }

  public static String csvName(Release release) {
    return PACKAGE + ".v" + release.olmVersion();
  }

  /** The CSV for {@code crd} (the one Annex owns), with {@code examples} as alm-examples. */
  public static ClusterServiceVersion clusterServiceVersion(Release release, CustomResourceDefinition crd,
      List<String> examples) {
    ClusterServiceVersion csv = Serialization.unmarshal(resource("olm/csv-base.yaml"), ClusterServiceVersion.class);
    csv.getMetadata().setName(csvName(release));
    var annotations = new LinkedHashMap<>(csv.getMetadata().getAnnotations());
    annotations.put("alm-examples", almExamples(examples));
    annotations.put("containerImage", release.operatorImage());
    annotations.put("operators.operatorframework.io/suggested-namespace", InstallManifests.NAMESPACE);
    csv.getMetadata().setAnnotations(annotations);

    var spec = csv.getSpec();
    spec.setVersion(release.olmVersion());
    spec.setIcon(List.of(new IconBuilder()
        .withBase64data(Base64.getEncoder().encodeToString(resource("olm/icon.svg").getBytes(StandardCharsets.UTF_8)))
        .withMediatype("image/svg+xml").build()));
    spec.setRelatedImages(List.of(
        new RelatedImageBuilder().withName("annex-operator").withImage(release.operatorImage()).build(),
        new RelatedImageBuilder().withName("annex-apiserver").withImage(release.runtimeImage()).build()));

    CRDDescription owned = spec.getCustomresourcedefinitions().getOwned().get(0);
    CustomResourceDefinitionVersion storage = crd.getSpec().getVersions().stream()
        .filter(CustomResourceDefinitionVersion::getStorage).findFirst().orElseThrow();
    owned.setName(crd.getMetadata().getName());
    owned.setVersion(storage.getName());
    owned.setKind(crd.getSpec().getNames().getKind());

    var deployment = InstallManifests.deployment(release);
    spec.setInstall(new NamedInstallStrategyBuilder()
        .withStrategy("deployment")
        .withNewSpec()
          .withDeployments(new StrategyDeploymentSpecBuilder()
              .withName(deployment.getMetadata().getName())
              .withLabel(deployment.getMetadata().getLabels())
              .withSpec(deployment.getSpec()).build())
          // Everything is cluster-wide (the operator watches all namespaces), so no namespaced permissions.
          .withClusterPermissions(new StrategyDeploymentPermissionsBuilder()
              .withServiceAccountName(InstallManifests.NAME)
              .withRules(InstallManifests.clusterRole().getRules()).build())
        .endSpec()
        .build());
    return csv;
  }

  /** The examples as the JSON array OLM's console offers as templates (namespace left to the user). */
  static String almExamples(List<String> examples) {
    try {
      ArrayNode array = JSON.createArrayNode();
      for (String example : examples) {
        JsonNode node = YAML.readTree(example);
        if (node.get("metadata") instanceof ObjectNode metadata) {
          metadata.remove("namespace");
        }
        array.add(node);
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(array);
    } catch (IOException e) {
      throw new UncheckedIOException("an example is not YAML", e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = OlmBundle.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
