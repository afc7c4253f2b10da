package dev.annex.operator.dependents;

import dev.annex.operator.certificates.CertificateBundle;
import io.javaoperatorsdk.operator.api.reconciler.Context;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

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

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
