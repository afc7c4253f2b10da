package dev.annex.apiserver.auth;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the client to the kube-apiserver is configured: in-cluster as the operator's pod runs it, or by kubeconfig. */
class DelegatedClientTest {

  @TempDir
  Path dir;

  @Test
  void inClusterUsesTheServiceAddressTheMountedCaAndReadsTheRotatingTokenEachTime() throws Exception {
    Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
    Files.writeString(sa.resolve("token"), "first-token\n");
    Files.writeString(sa.resolve("ca.crt"), "");
    Config config = DelegatedClient.config(null, Duration.ofSeconds(10), "authentication",
        Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443"), sa);
    assertThat(config.getMasterUrl()).startsWith("https://10.96.0.1:443");
    assertThat(config.getCaCertFile()).isEqualTo(sa.resolve("ca.crt").toString());
    assertThat(config.getRequestConfig().getRequestTimeout()).isEqualTo(10_000);
    assertThat(config.getRequestConfig().getRequestRetryBackoffLimit()).isZero();
    assertThat(config.getOauthTokenProvider().getToken()).isEqualTo("first-token");
    Files.writeString(sa.resolve("token"), "rotated-token");
    assertThat(config.getOauthTokenProvider().getToken()).isEqualTo("rotated-token");
  }

  @Test
  void outsideAClusterWithoutAKubeconfigItFailsInUpstreamsWords() {
    assertThatThrownBy(() -> DelegatedClient.config(null, Duration.ofSeconds(10), "authorization", Map.of(),
        dir.resolve("missing")))
        .hasMessageStartingWith("failed to get delegated authorization kubeconfig: unable to load in-cluster configuration");
  }

  @Test
  void onlyTransientFailuresAreRetried() {
    assertThat(DelegatedClient.retriable(new KubernetesClientException("boom", 500, null))).isTrue();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("slow", 504, null))).isTrue();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("busy", 429, null))).isTrue();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("no", 403, null))).isFalse();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("down", 503, null))).isFalse();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("An error has occurred.",
        new java.io.IOException("Connection reset by peer")))).isTrue();
    assertThat(DelegatedClient.retriable(new KubernetesClientException("An error has occurred.",
        new java.net.ConnectException("Connection refused")))).isFalse();
  }

  @Test
  void theClientsOwnRequestTimeoutIsReportedAsTheDeadlineItIs() {
    Duration deadline = Duration.ofSeconds(5);
    // The HTTP client's timer and the call's share one deadline; when the client's fires first, the answer is the same.
    assertThatThrownBy(() -> DelegatedClient.call(() -> {
      throw new KubernetesClientException("An error has occurred.", new HttpTimeoutException("request timed out"));
    }, deadline)).isInstanceOf(TimeoutException.class).hasMessage("the kube-apiserver did not answer within PT5S");
    assertThatThrownBy(() -> DelegatedClient.call(() -> {
      throw new KubernetesClientException("forbidden", 403, null);
    }, deadline)).isInstanceOf(ExecutionException.class).hasRootCauseMessage("forbidden");
  }
}
