package dev.annex.testing.node;

import dev.annex.testing.controlplane.RepositoryScripts;

import java.nio.file.Path;
import java.time.Duration;

/** The image tarballs a registry-less node needs, built by the repository's scripts into the cache. */
public final class NodeImages {

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);

  private NodeImages() {
  }

  /** The sandbox image, {@value NodeCluster#PAUSE_IMAGE}. */
  public static Path pause() {
    return RepositoryScripts.runForPath("images/build-pause.sh", BUILD_TIMEOUT);
  }

  /** Minimal Debian with a JRE 17 ({@code annex-base:bookworm-jre17}), the base of Annex's images. */
  public static Path debianJre() {
    return RepositoryScripts.runForPath("images/build-base.sh", BUILD_TIMEOUT);
  }
}
