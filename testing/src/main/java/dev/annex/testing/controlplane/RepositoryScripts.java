package dev.annex.testing.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's cache-building scripts ({@code controlplane/build.sh},
 * {@code images/build-*.sh}), which print the path of what they built on their last line. They do
 * nothing when the cache is warm.
 */
public final class RepositoryScripts {

  private RepositoryScripts() {
  }

  /** Runs {@code script} (relative to the repository root) and returns the path it printed last. */
  public static Path runForPath(String script, Duration timeout, String... args) {
    Path file = root().resolve(script);
    List<String> command = new ArrayList<>(List.of(file.toString()));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(script + " took over " + timeout.toMinutes() + " min");
      }
      if (process.exitValue() != 0 || out.isEmpty()) {
        throw new IllegalStateException(script + " exited " + process.exitValue());
      }
      String[] lines = out.split("\n");
      return Path.of(lines[lines.length - 1].trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + file, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + script, e);
    }
  }

  /** The checkout this test runs in: the nearest folder above the working directory with controlplane/. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("controlplane/build.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find controlplane/build.sh above " + dir);
  }
}
