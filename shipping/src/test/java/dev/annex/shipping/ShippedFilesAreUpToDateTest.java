package dev.annex.shipping;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** deploy/ and bundle/ are checked in for users; they must be exactly what the sources generate. */
class ShippedFilesAreUpToDateTest {
  private final Path root = Repository.root();
  private final Map<String, String> generated = ShippedFiles.render(root, Release.current());

  @Test
  void everyGeneratedFileIsCheckedInUnchanged() throws IOException {
    for (var file : generated.entrySet()) {
      Path checkedIn = root.resolve(file.getKey());
      assertThat(checkedIn).as("%s is missing: run `make bundle`", file.getKey()).exists();
      assertThat(Files.readString(checkedIn))
          .as("%s is stale: run `make bundle` and commit the result", file.getKey())
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void deployAndBundleHoldNothingElse() throws IOException {
    for (String folder : List.of(ShippedFiles.DEPLOY, ShippedFiles.BUNDLE)) {
      try (Stream<Path> files = Files.walk(root.resolve(folder))) {
        assertThat(files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()))
            .as("files under %s/ that `make bundle` does not write (it would delete them)", folder)
            .allMatch(generated::containsKey);
      }
    }
  }

  @Test
  void theAllInOneFileHoldsEveryInstallObjectOnce() {
    String all = generated.get("deploy/annex.yaml");
    for (String kind : List.of("CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole",
        "ClusterRoleBinding", "Deployment")) {
      assertThat(all.lines().filter(l -> l.equals("kind: \"" + kind + "\"")).count()).as(kind).isEqualTo(1);
    }
  }

  @Test
  void bundleAnnotationsAndDockerfileLabelsAgree() {
    String annotations = generated.get("bundle/metadata/annotations.yaml");
    String dockerfile = generated.get("bundle/bundle.Dockerfile");
    List<String> fromAnnotations = annotations.lines().filter(l -> l.startsWith("  "))
        .map(l -> l.trim().replaceFirst(": ", "=")).toList();
    List<String> fromLabels = dockerfile.lines().filter(l -> l.startsWith("LABEL "))
        .map(l -> l.substring("LABEL ".length())).toList();
    assertThat(fromLabels).hasSize(6).isEqualTo(fromAnnotations);
    assertThat(fromLabels).contains("operators.operatorframework.io.bundle.mediatype.v1=registry+v1",
        "operators.operatorframework.io.bundle.package.v1=annex-operator");
  }
}
