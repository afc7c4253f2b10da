package dev.annex.operator.certificates;

import java.time.Instant;

/**
 * The CA and serving certificate to write, as PEM text, and what was done to get them. Kept
 * material carries the exact text read from the cluster so an unchanged Secret is never rewritten.
 */
public record CertificateBundle(String caCertificatePem, String caKeyPem, String certificatePem, String keyPem,
    Instant notAfter, Outcome ca, Outcome leaf, String reason) {

  /** What happened to one certificate in this reconcile. */
  public enum Outcome {
    KEPT, ISSUED, RENEWED, REPAIRED;

    public boolean changed() {
      return this != KEPT;
    }
  }
}
