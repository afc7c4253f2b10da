package dev.annex.shipping.images;

import dev.annex.operator.dependents.DeploymentDependent;
import dev.annex.shipping.Release;
import dev.annex.shipping.install.InstallManifests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** What each image tarball says about itself: tag, entrypoint, user, port, labels, and what it deploys. */
class ImageConfigIT {
  private static final List<String> JVM = List.of("java", "-XX:MaxRAMPercentage=75.0", "-XX:+ExitOnOutOfMemoryError",
      "-XX:-UsePerfData");
  /** The operator's: fabric8's HTTP client gets pooled async stages on small nodes (the runtime's Main sets its own). */
  private static final String COMMON_POOL = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2";
  private final Release release = Release.current();

  @TempDir
  Path work;

  @Test
  void runtimeImage() throws IOException {
    ImageTarball image = ImageTarball.open(Path.of(System.getProperty("annex.runtime.image.tar")), work);
    assertThat(image.tag()).isEqualTo(release.runtimeImage()).isEqualTo("annex-apiserver:" + release.version());
    assertThat(image.strings("Entrypoint")).isEqualTo(entrypoint("dev.annex.apiserver.Main", List.of()));
    assertCommon(image, "annex-apiserver", DeploymentDependent.SECURE_PORT);
  }

  @Test
  void operatorImage() throws IOException {
    ImageTarball image = ImageTarball.open(Path.of(System.getProperty("annex.operator.image.tar")), work);
    assertThat(image.tag()).isEqualTo(release.operatorImage()).isEqualTo("annex-operator:" + release.version());
    assertThat(image.strings("Entrypoint")).isEqualTo(entrypoint("dev.annex.operator.Main", List.of(COMMON_POOL)));
    assertCommon(image, "annex-operator", InstallManifests.METRICS_PORT);
    // deploy/ and the CSV run this very tag.
    assertThat(InstallManifests.deployment(release).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(image.tag());
  }

  @Test
  void theOperatorImageDeploysTheRuntimeImageOfItsOwnVersion() throws IOException {
    ImageTarball operator = ImageTarball.open(Path.of(System.getProperty("annex.operator.image.tar")), work);
    ImageTarball runtime = ImageTarball.open(Path.of(System.getProperty("annex.runtime.image.tar")), work);
    String file = operator.read("app/resources/annex-operator.properties")
        .orElseThrow(() -> new AssertionError("annex-operator.properties is not in the operator image"));
    Properties properties = new Properties();
    properties.load(new StringReader(file));
    assertThat(properties.getProperty("runtime.image")).isEqualTo(runtime.tag());
  }

  private static List<String> entrypoint(String mainClass, List<String> flags) {
    List<String> entrypoint = new java.util.ArrayList<>(JVM);
    entrypoint.addAll(flags);
    entrypoint.addAll(List.of("-cp", "@/app/jib-classpath-file", mainClass));
    return entrypoint;
  }

  private void assertCommon(ImageTarball image, String title, int port) {
    var config = image.config().get("config");
    assertThat(config.get("User").asText()).isEqualTo(InstallManifests.UID + ":" + InstallManifests.UID);
    assertThat(config.get("ExposedPorts").fieldNames()).toIterable().containsExactly(port + "/tcp");
    var labels = config.get("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo(title);
    assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(release.version());
    assertThat(labels.path("org.opencontainers.image.description").asText()).isNotBlank();
    assertThat(labels.path("org.opencontainers.image.vendor").asText()).isEqualTo("Annex");
    assertThat(image.strings("Env")).anyMatch(e -> e.startsWith("PATH="));
    assertThat(image.config().get("os").asText()).isEqualTo("linux");
  }
}
