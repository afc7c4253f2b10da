package dev.annex.testing.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the pinned control-plane binaries: the folder named by {@code -Dannex.controlplane.dir} or
 * {@code ANNEX_CONTROLPLANE_DIR} (the Makefile passes it), else whatever {@code controlplane/build.sh}
 * prints after building them into its cache (minutes on a cold machine, nothing on a warm one).
 */
final class ControlPlaneBinaries {

  static final List<String> REQUIRED = List.of("etcd", "kube-apiserver", "kube-controller-manager");
  private static final long BUILD_TIMEOUT_MINUTES = 30;

  private ControlPlaneBinaries() {
  }

  static Path locate() {
    String configured = System.getProperty("annex.controlplane.dir", System.getenv("ANNEX_CONTROLPLANE_DIR"));
    Path dir = configured != null && !configured.isBlank() ? Path.of(configured) : build();
    for (String binary : REQUIRED) {
      if (!Files.isExecutable(dir.resolve(binary))) {
        throw new IllegalStateException("no executable " + binary + " in " + dir + "; run `make controlplane`");
      }
    }
    return dir;
  }

  private static Path build() {
    Path script = repositoryRoot().resolve("controlplane/build.sh");
    try {
      Process process = new ProcessBuilder(script.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(script + " failed or took over " + BUILD_TIMEOUT_MINUTES + " min");
      }
      String[] lines = out.split("\n");
      return Path.of(lines[lines.length - 1]);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the control plane", e);
    }
  }

  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("controlplane/build.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find controlplane/build.sh above " + dir);
  }
}
