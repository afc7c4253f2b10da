package dev.annex.testing.controlplane;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One real control plane per test run, shared by every {@code *IT} that asks for it: a test
 * declares a {@link ControlPlane} or {@link KubernetesClient} (admin) parameter. Kept in the root
 * store, so JUnit closes it, stopping every process by pid, when the run ends, failed or not.
 */
public final class ControlPlaneExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ControlPlaneExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    Class<?> type = parameter.getParameter().getType();
    return type == ControlPlane.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    ControlPlane plane = shared(extension);
    return parameter.getParameter().getType() == ControlPlane.class ? plane : plane.adminClient();
  }

  public static ControlPlane shared(ExtensionContext extension) {
    return extension.getRoot().getStore(NAMESPACE)
        .computeIfAbsent(ControlPlane.class, key -> ControlPlane.start(workDirectory(), true), ControlPlane.class);
  }

  private static Path workDirectory() {
    try {
      Path base = Path.of(System.getProperty("annex.controlplane.workdir", "target"));
      Files.createDirectories(base);
      return Files.createTempDirectory(base.toAbsolutePath(), "controlplane-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
