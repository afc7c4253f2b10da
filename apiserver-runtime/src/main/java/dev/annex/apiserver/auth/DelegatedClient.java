package dev.annex.apiserver.auth;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The client the runtime talks to the kube-apiserver with, built as k8s.io/apiserver builds its
 * delegating clients: from {@code --authentication-kubeconfig}/{@code --authorization-kubeconfig}
 * when given, otherwise from the pod's service account (in-cluster config only; a developer's
 * {@code ~/.kube/config} is never picked up by accident). fabric8's own retries are off: {@link #call}
 * retries as k8s.io/apiserver does, within the review's timeout.
 */
public final class DelegatedClient {

  static final String SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

  private static final AtomicInteger THREADS = new AtomicInteger();
  /** Review calls run here so a caller can stop waiting at the timeout; daemon threads never hold up exit. */
  private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "delegated-review-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  private DelegatedClient() {
  }

  /** From a kubeconfig file, or in-cluster when {@code kubeconfig} is null; fails with upstream's words. */
  public static KubernetesClient create(Path kubeconfig, Duration timeout, String purpose) {
    return new KubernetesClientBuilder()
        .withConfig(config(kubeconfig, timeout, purpose, System.getenv(), Path.of(SERVICE_ACCOUNT)))
        .build();
  }

  /** The transport reviews are created with, from the same kubeconfig or in-cluster config as {@link #create}. */
  public static ReviewClient reviewClient(Path kubeconfig, Duration timeout, String purpose) {
    return new ReviewClient(config(kubeconfig, timeout, purpose, System.getenv(), Path.of(SERVICE_ACCOUNT)), timeout);
  }

  static Config config(Path kubeconfig, Duration timeout, String purpose, Map<String, String> env, Path serviceAccount) {
    Config loaded;
    if (kubeconfig != null) {
      try {
        loaded = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
      } catch (IOException e) {
        throw new IllegalStateException("failed to get delegated " + purpose + " kubeconfig: " + e.getMessage(), e);
      }
    } else {
      loaded = inCluster(purpose, env, serviceAccount);
    }
    Config config = new ConfigBuilder(loaded)
        .withRequestTimeout((int) timeout.toMillis())
        .withConnectionTimeout((int) Math.min(timeout.toMillis(), 10_000))
        .withRequestRetryBackoffLimit(0)
        .build();
    if (kubeconfig == null) {
      // set on the final Config: the token is read again for every request, as the kubelet rotates it
      Path token = serviceAccount.resolve("token");
      config.setOauthTokenProvider(() -> {
        try {
          return Files.readString(token).trim();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return config;
  }

  /** rest.InClusterConfig: the service's address from the environment, the CA and token the pod has mounted. */
  private static Config inCluster(String purpose, Map<String, String> env, Path serviceAccount) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    if (host == null || host.isEmpty() || port == null || port.isEmpty()
        || !Files.isReadable(serviceAccount.resolve("token"))) {
      throw new IllegalStateException("failed to get delegated " + purpose + " kubeconfig: unable to load in-cluster "
          + "configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (give --"
          + purpose + "-kubeconfig, or --authorization-mode=AlwaysAllow for local use)");
    }
    String server = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(server)
        .withCaCertFile(serviceAccount.resolve("ca.crt").toString())
        .build();
  }

  /** A failure in a log line: fabric8's own message ("An error has occurred.") and what caused it. */
  static String describe(Throwable failure) {
    StringBuilder out = new StringBuilder();
    for (Throwable t : causes(failure)) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (out.indexOf(m) < 0) {
        out.append(out.length() == 0 ? "" : ": ").append(m);
      }
    }
    return out.toString();
  }

  /** The failure and its causes, outermost first; a cause that loops back ends the list. */
  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /**
   * Runs one call to the kube-apiserver, retried as k8s.io/apiserver's webhook clients retry
   * ({@code DefaultAuthWebhookRetryBackoff}: up to 5 attempts, 500 ms apart growing by 1.5, 20 %
   * jitter) when the failure is transient ({@code DefaultShouldRetry}: a reset connection, 500, 504,
   * 429, or a suggested delay), and given up on after {@code timeout} all told.
   */
  static <T> T call(Supplier<T> work, Duration timeout) throws TimeoutException, ExecutionException {
    CompletableFuture<T> future = CompletableFuture.supplyAsync(() -> withRetries(work), CALLS);
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ExecutionException("interrupted while waiting for the kube-apiserver", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      // The HTTP client's own request timeout is the same deadline; whichever timer fires first, one answer.
      if (timedOut(e.getCause())) {
        throw new TimeoutException("the kube-apiserver did not answer within " + timeout);
      }
      throw e;
    }
  }

  private static boolean timedOut(Throwable failure) {
    return causes(failure).stream().anyMatch(t -> t instanceof TimeoutException || t instanceof HttpTimeoutException
        || t instanceof SocketTimeoutException);
  }

  static final int ATTEMPTS = 5;
  static final Duration FIRST_DELAY = Duration.ofMillis(500);

  private static <T> T withRetries(Supplier<T> work) {
    double delayMillis = FIRST_DELAY.toMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        return work.get();
      } catch (KubernetesClientException e) {
        if (attempt >= ATTEMPTS || !retriable(e)) {
          throw e;
        }
      }
      try {
        Thread.sleep((long) (delayMillis * (1 + 0.2 * ThreadLocalRandom.current().nextDouble())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KubernetesClientException("interrupted between retries", e);
      }
      delayMillis *= 1.5;
    }
  }

  /** k8s {@code webhook.DefaultShouldRetry}. */
  static boolean retriable(KubernetesClientException e) {
    int code = e.getCode();
    if (code == 500 || code == 504 || code == 429) {
      return true;
    }
    if (e.getStatus() != null && e.getStatus().getDetails() != null
        && e.getStatus().getDetails().getRetryAfterSeconds() != null && e.getStatus().getDetails().getRetryAfterSeconds() > 0) {
      return true;
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (m.contains("connection reset") || m.contains("goaway")) {
        return true;
      }
    }
    return false;
  }
}
