package dev.annex.local;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.testing.controlplane.ControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The authentication flags of a runtime started outside the cluster. What a pod reads from the
 * {@code kube-system/extension-apiserver-authentication} ConfigMap, a local runtime is given as files:
 * the request-header CA, so that it accepts the aggregator's front-proxy client certificate.
 */
final class RuntimeAuthentication {
  static final String CONFIG_MAP = "extension-apiserver-authentication";

  private RuntimeAuthentication() {
  }

  static Supplier<List<String>> forLocalRuntime(ControlPlane plane, AggregatedApi api) {
    Path dir = plane.directory().resolve("runtimes")
        .resolve(api.getMetadata().getNamespace() + "-" + api.getMetadata().getName() + "-auth");
    return () -> {
      ConfigMap authentication = plane.adminClient().configMaps().inNamespace("kube-system").withName(CONFIG_MAP).get();
      if (authentication == null || authentication.getData().get("requestheader-client-ca-file") == null) {
        throw new IllegalStateException("kube-system/" + CONFIG_MAP + " has no requestheader-client-ca-file: is the "
            + "kube-apiserver started with --requestheader-client-ca-file?");
      }
      Path caFile = write(dir.resolve("requestheader-client-ca.crt"),
          authentication.getData().get("requestheader-client-ca-file"));
      return List.of("--client-ca-file", caFile.toString(), "--authorization-mode", "AlwaysAllow");
    };
  }

  private static Path write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
