package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.certificates.CertificateBundle;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.TreeMap;
import java.util.Map;

/** Where the dependents find the certificates the reconciler resolved for this reconcile. */
public final class Certificates {
  private Certificates() {
  }

  public static void put(Context<?> context, CertificateBundle bundle) {
    context.managedWorkflowAndDependentResourceContext().put(CertificateBundle.class, bundle);
  }

  static CertificateBundle of(Context<?> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(CertificateBundle.class, CertificateBundle.class);
  }

  /**
   * A certificate Secret the reconcile found in place but that is missing now was deleted while the
   * reconcile ran. Recreating it would bring back the very certificate a person deleted to be rid of;
   * failing instead makes JOSDK reconcile again at once (the delete event is pending), and that
   * reconcile, which sees the Secret gone, issues a new certificate.
   */
  static void refuseToRecreateKept(CertificateBundle.Outcome outcome, Secret missing) {
    if (outcome == CertificateBundle.Outcome.KEPT) {
      throw new IllegalStateException("Secret " + missing.getMetadata().getName()
          + " was deleted while the reconcile ran; reconciling again to issue a new certificate");
    }
  }

  /** A {@code kubernetes.io/tls} Secret of {@code primary}'s namespace holding {@code pems} (key to PEM text). */
  static Secret tlsSecret(AggregatedApi primary, String name, String component, Map<String, String> pems) {
    Map<String, String> data = new TreeMap<>(); // sorted: Map.of iterates in a per-JVM order
    pems.forEach((key, pem) -> data.put(key, base64(pem)));
    return new SecretBuilder()
        .withNewMetadata()
          .withName(name).withNamespace(primary.getMetadata().getNamespace()).withLabels(Labels.common(primary))
          .addToLabels(Labels.COMPONENT, component)
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(data)
        .build();
  }

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
