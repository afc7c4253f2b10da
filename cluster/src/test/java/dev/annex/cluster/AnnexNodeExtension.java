package dev.annex.cluster;

import dev.annex.cluster.node.AnnexNode;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One node per test run, shared by every test that declares an {@link AnnexNode} parameter: starting
 * it takes most of a minute. Kept in the root store, so JUnit closes it when the run ends, failed or
 * not, and the node removes everything it made.
 */
public final class AnnexNodeExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AnnexNodeExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == AnnexNode.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    return extension.getRoot().getStore(NAMESPACE)
        .computeIfAbsent(AnnexNode.class, key -> AnnexNode.start(workDirectory()), AnnexNode.class);
  }

  private static Path workDirectory() {
    try {
      return Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "node-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
