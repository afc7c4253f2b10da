package dev.annex.testing.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Finds the pinned control-plane binaries: the folder named by {@code -Dannex.controlplane.dir} or
 * {@code ANNEX_CONTROLPLANE_DIR} (the Makefile passes it), else whatever {@code controlplane/build.sh}
 * prints after building them into its cache (minutes on a cold machine, nothing on a warm one).
 */
final class ControlPlaneBinaries {

  static final List<String> REQUIRED = List.of("etcd", "kube-apiserver", "kube-controller-manager");
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);

  private ControlPlaneBinaries() {
  }

  static Path locate() {
    String configured = System.getProperty("annex.controlplane.dir", System.getenv("ANNEX_CONTROLPLANE_DIR"));
    Path dir = configured != null && !configured.isBlank() ? Path.of(configured)
        : RepositoryScripts.runForPath("controlplane/build.sh", BUILD_TIMEOUT);
    for (String binary : REQUIRED) {
      if (!Files.isExecutable(dir.resolve(binary))) {
        throw new IllegalStateException("no executable " + binary + " in " + dir + "; run `make controlplane`");
      }
    }
    return dir;
  }
}
