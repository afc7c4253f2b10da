package dev.annex.shipping;

import java.nio.file.Path;

/** The repository root the tests read deploy/, bundle/, crds/ and examples/ from (set by the pom). */
public final class Repository {
  private Repository() {
  }

  public static Path root() {
    return Path.of(System.getProperty("annex.root", "..")).toAbsolutePath().normalize();
  }
}
