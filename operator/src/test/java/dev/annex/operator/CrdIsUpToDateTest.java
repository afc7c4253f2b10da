package dev.annex.operator;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** crds/ is checked in for users and the bundle; it must be what the model generates. */
class CrdIsUpToDateTest {
  private static final String FILE = "aggregatedapis.annex.dev-v1.yml";

  @Test
  void checkedInCrdMatchesTheGeneratedOne() throws IOException {
    Path generated = Path.of(System.getProperty("annex.generated.crds.dir", "target/classes/META-INF/fabric8"), FILE);
    Path checkedIn = Path.of(System.getProperty("annex.crds.dir", "../crds"), FILE);
    assertThat(generated).exists();
    assertThat(checkedIn).as("crds/%s is missing: run `make crds`", FILE).exists();
    assertThat(Files.readString(checkedIn))
        .as("crds/%s is stale: run `make crds` and commit the result", FILE)
        .isEqualTo(Files.readString(generated));
  }

  @Test
  void crdSaysWhatTheIssueAsksFor() throws IOException {
    String crd = Files.readString(Path.of(System.getProperty("annex.crds.dir", "../crds"), FILE));
    assertThat(crd)
        .contains("group: \"annex.dev\"", "- \"aa\"", "name: \"v1alpha1\"", "status: {}",
            "name: \"Group\"", "name: \"Ready\"", "name: \"Available\"", "name: \"Age\"",
            "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields: true",
            "default: \"8760h\"", "default: \"720h\"", "- \"Memory\"", "- \"Etcd\"", "- \"Cluster\"");
  }
}
