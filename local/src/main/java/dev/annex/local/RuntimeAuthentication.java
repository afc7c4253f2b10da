package dev.annex.local;

import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.waiting.Waits;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The identity of a runtime started outside the cluster: the ServiceAccount the operator created
 * for it (bound to {@code system:auth-delegator} and {@code extension-apiserver-authentication-reader}),
 * through a kubeconfig with a token requested for it, as a pod gets its projected token. With it
 * the runtime reads the aggregation-layer configuration from the cluster and delegates
 * authentication and authorization exactly as it does in a pod, with no CA flags of its own.
 */
final class RuntimeAuthentication {
  static final Duration TOKEN_LIFETIME = Duration.ofHours(24);
  static final Duration ACCOUNT_TIMEOUT = Duration.ofSeconds(60);

  private RuntimeAuthentication() {
  }

  /** Flags for {@code api}'s runtime: asked for at each start, so a restarted runtime gets a fresh token. */
  static Supplier<List<String>> forLocalRuntime(ControlPlane plane, AggregatedApi api) {
    ResourceNames names = ResourceNames.of(api);
    Path kubeconfig = plane.directory().resolve("runtimes")
        .resolve(names.namespace() + "-" + names.name() + "-identity.kubeconfig");
    return () -> {
      String token = requestToken(plane, names);
      write(kubeconfig, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: local
            cluster:
              server: %s
              certificate-authority: %s
          users:
          - name: %s
            user:
              token: %s
          contexts:
          - name: local
            context: {cluster: local, user: %s}
          current-context: local
          """.formatted(plane.apiServerUrl(), plane.clusterCa().certFile(), names.apiserver(), token,
          names.apiserver()));
      return List.of("--authentication-kubeconfig", kubeconfig.toString(),
          "--authorization-kubeconfig", kubeconfig.toString());
    };
  }

  private static String requestToken(ControlPlane plane, ResourceNames names) {
    var accounts = plane.adminClient().serviceAccounts().inNamespace(names.namespace()).withName(names.apiserver());
    Waits.until("the operator's ServiceAccount " + names.namespace() + "/" + names.apiserver(), ACCOUNT_TIMEOUT,
        accounts::get);
    TokenRequest request = new TokenRequestBuilder().withNewSpec()
        .withExpirationSeconds(TOKEN_LIFETIME.toSeconds()).endSpec().build();
    return accounts.tokenRequest(request).getStatus().getToken();
  }

  private static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
