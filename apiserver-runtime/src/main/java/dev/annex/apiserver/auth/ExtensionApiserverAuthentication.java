package dev.annex.apiserver.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The {@code kube-system/extension-apiserver-authentication} ConfigMap the kube-apiserver publishes
 * for aggregated API servers: {@code client-ca-file}, {@code requestheader-client-ca-file},
 * {@code requestheader-allowed-names}, {@code requestheader-username-headers},
 * {@code requestheader-group-headers} and {@code requestheader-extra-headers-prefix} (lists are
 * JSON arrays of strings). Read once at start (a missing ConfigMap is no configuration, as in k8s)
 * and then watched, so a rotated CA is used for the next request without a restart.
 */
public final class ExtensionApiserverAuthentication implements AutoCloseable {

  public static final String NAMESPACE = "kube-system";
  public static final String NAME = "extension-apiserver-authentication";

  private static final Logger LOG = LoggerFactory.getLogger(ExtensionApiserverAuthentication.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the ConfigMap says; either part may be absent. */
  record Content(CaBundle clientCa, Optional<RequestHeaderConfig> requestHeader) {
    static final Content NONE = new Content(CaBundle.EMPTY, Optional.empty());
  }

  private final AtomicReference<Content> current = new AtomicReference<>(Content.NONE);
  private final SharedIndexInformer<ConfigMap> informer;

  private ExtensionApiserverAuthentication(KubernetesClient client, Duration timeout) {
    ConfigMap first;
    try {
      first = DelegatedClient.call(() -> client.configMaps().inNamespace(NAMESPACE).withName(NAME).get(), timeout);
    } catch (TimeoutException e) {
      throw new IllegalStateException("unable to load configmap based authentication configuration: "
          + "no answer within " + timeout, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("unable to load configmap based authentication configuration: "
          + DelegatedClient.describe(e.getCause()), e.getCause());
    }
    if (first == null) {
      LOG.warn("configmap {}/{} not found: no client CA and no front-proxy configuration from the cluster", NAMESPACE, NAME);
    } else {
      update(first);
    }
    this.informer = client.configMaps().inNamespace(NAMESPACE).withName(NAME).runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        update(cm);
      }

      @Override
      public void onUpdate(ConfigMap old, ConfigMap cm) {
        update(cm);
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknownFinalState) {
        LOG.warn("configmap {}/{} deleted; keeping the last authentication configuration", NAMESPACE, NAME);
      }
    });
    // not waited for: the first read above answered, and the informer retries on its own if the watch breaks
    informer.start();
  }

  /** Reads the ConfigMap now and starts watching it. */
  public static ExtensionApiserverAuthentication start(KubernetesClient client, Duration timeout) {
    return new ExtensionApiserverAuthentication(client, timeout);
  }

  public Supplier<CaBundle> clientCa() {
    return () -> current.get().clientCa();
  }

  public Supplier<Optional<RequestHeaderConfig>> requestHeader() {
    return () -> current.get().requestHeader();
  }

  private void update(ConfigMap cm) {
    try {
      Content content = parse(cm.getData() == null ? Map.of() : cm.getData());
      Content previous = current.getAndSet(content);
      if (!content.equals(previous)) {
        LOG.info("authentication configuration from {}/{} (resourceVersion {}): client CA {} certificate(s), "
                + "request-header CA {} certificate(s), allowed names {}", NAMESPACE, NAME,
            cm.getMetadata().getResourceVersion(), content.clientCa().certificates().size(),
            content.requestHeader().map(r -> r.ca().certificates().size()).orElse(0),
            content.requestHeader().map(RequestHeaderConfig::allowedNames).orElse(List.of()));
      }
    } catch (CertificateException | IOException e) {
      LOG.warn("configmap {}/{} cannot be used ({}); keeping the previous configuration", NAMESPACE, NAME, e.getMessage());
    }
  }

  static Content parse(Map<String, String> data) throws CertificateException, IOException {
    CaBundle clientCa = CaBundle.parse(data.get("client-ca-file"));
    String requestHeaderCa = data.get("requestheader-client-ca-file");
    if (requestHeaderCa == null || requestHeaderCa.isBlank()) {
      return new Content(clientCa, Optional.empty());
    }
    return new Content(clientCa, Optional.of(new RequestHeaderConfig(CaBundle.parse(requestHeaderCa),
        list(data, "requestheader-allowed-names"), list(data, "requestheader-username-headers"),
        list(data, "requestheader-group-headers"), list(data, "requestheader-extra-headers-prefix"))));
  }

  private static List<String> list(Map<String, String> data, String key) throws IOException {
    String v = data.get(key);
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return JSON.readValue(v, new TypeReference<List<String>>() {
    });
  }

  @Override
  public void close() {
    informer.close();
  }
}
