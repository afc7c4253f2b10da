package dev.annex.operator.certificates;

import dev.annex.operator.certificates.CertificateBundle.Outcome;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, from what the two Secrets hold now, whether to keep, issue, renew or repair the CA and the
 * serving certificate. The CA is kept across leaf renewals so the caBundle the aggregator trusts
 * stays valid while pods pick up the new leaf.
 */
public final class ServingCertificates {
  public static final String TLS_CRT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CRT = "ca.crt";

  private ServingCertificates() {
  }

  /**
   * @param caData decoded data of the CA Secret ({@code tls.crt}, {@code tls.key}), empty if absent
   * @param servingData decoded data of the serving Secret, empty if absent
   */
  public static CertificateBundle resolve(String caName, Map<String, String> caData, Map<String, String> servingData,
      List<String> dnsNames, List<String> ipAddresses, Duration validity, Duration renewBefore, Instant now) {
    Optional<CertificateAuthority> existingCa = readCa(caData, renewBefore, now);
    CertificateAuthority ca;
    String caCertPem;
    String caKeyPem;
    Outcome caOutcome;
    if (existingCa.isPresent()) {
      ca = existingCa.get();
      caCertPem = caData.get(TLS_CRT);
      caKeyPem = caData.get(TLS_KEY);
      caOutcome = Outcome.KEPT;
    } else {
      ca = CertificateAuthority.create(caName, now);
      caCertPem = Pem.encode(ca.certificate());
      caKeyPem = Pem.encode(ca.key());
      caOutcome = caData.isEmpty() ? Outcome.ISSUED : Outcome.RENEWED;
    }

    if (!caOutcome.changed()) {
      String problem = leafProblem(ca, caCertPem, servingData, dnsNames, ipAddresses, renewBefore, now);
      if (problem == null) {
        X509Certificate leaf = parseQuietly(servingData.get(TLS_CRT));
        return new CertificateBundle(caCertPem, caKeyPem, servingData.get(TLS_CRT), servingData.get(TLS_KEY),
            leaf.getNotAfter().toInstant(), Outcome.KEPT, Outcome.KEPT, "valid");
      }
      Outcome leafOutcome = servingData.isEmpty() ? Outcome.ISSUED
          : problem.startsWith("damaged") ? Outcome.REPAIRED : Outcome.RENEWED;
      return issue(ca, caCertPem, caKeyPem, caOutcome, leafOutcome, problem, dnsNames, ipAddresses, validity, now);
    }
    return issue(ca, caCertPem, caKeyPem, caOutcome, servingData.isEmpty() ? Outcome.ISSUED : Outcome.RENEWED,
        "new CA", dnsNames, ipAddresses, validity, now);
  }

  private static CertificateBundle issue(CertificateAuthority ca, String caCertPem, String caKeyPem, Outcome caOutcome,
      Outcome leafOutcome, String reason, List<String> dnsNames, List<String> ipAddresses, Duration validity, Instant now) {
    ServingCertificate leaf = ca.issueServing(dnsNames, ipAddresses, validity, now);
    return new CertificateBundle(caCertPem, caKeyPem, Pem.encode(leaf.certificate()), Pem.encode(leaf.key()),
        leaf.certificate().getNotAfter().toInstant(), caOutcome, leafOutcome, reason);
  }

  /** The CA if its Secret holds a matching certificate and key that are not about to expire. */
  private static Optional<CertificateAuthority> readCa(Map<String, String> data, Duration renewBefore, Instant now) {
    try {
      X509Certificate cert = Pem.certificate(data.get(TLS_CRT));
      PrivateKey key = Pem.privateKey(data.get(TLS_KEY));
      if (!KeyPairs.matches(key, cert.getPublicKey()) || cert.getBasicConstraints() < 0) {
        return Optional.empty();
      }
      if (!now.isBefore(cert.getNotAfter().toInstant().minus(renewBefore))) {
        return Optional.empty();
      }
      return Optional.of(new CertificateAuthority(cert, key));
    } catch (Pem.InvalidPemException e) {
      return Optional.empty();
    }
  }

  /** Why the serving Secret cannot be kept as it is, or null when it can. */
  static String leafProblem(CertificateAuthority ca, String caCertPem, Map<String, String> data, List<String> dnsNames,
      List<String> ipAddresses, Duration renewBefore, Instant now) {
    if (data.isEmpty()) {
      return "no serving certificate yet";
    }
    X509Certificate cert;
    PrivateKey key;
    try {
      cert = Pem.certificate(data.get(TLS_CRT));
    } catch (Pem.InvalidPemException e) {
      return "damaged: tls.crt " + e.getMessage();
    }
    try {
      key = Pem.privateKey(data.get(TLS_KEY));
    } catch (Pem.InvalidPemException e) {
      return "damaged: tls.key " + e.getMessage();
    }
    if (!KeyPairs.matches(key, cert.getPublicKey())) {
      return "damaged: tls.key does not match tls.crt";
    }
    if (!caCertPem.equals(data.get(CA_CRT))) {
      return "damaged: ca.crt is not the CA certificate";
    }
    if (!ca.signed(cert)) {
      return "damaged: tls.crt is not signed by the CA";
    }
    var wanted = new HashSet<String>(dnsNames);
    wanted.addAll(ipAddresses);
    if (!wanted.equals(new HashSet<>(ServingCertificate.subjectAltNames(cert)))) {
      return "the Service names changed";
    }
    Instant notAfter = cert.getNotAfter().toInstant();
    if (!now.isBefore(notAfter.minus(renewBefore))) {
      return "it expires at " + notAfter + ", within the renewBefore window";
    }
    return null;
  }

  private static X509Certificate parseQuietly(String pem) {
    try {
      return Pem.certificate(pem);
    } catch (Pem.InvalidPemException e) {
      throw new IllegalStateException(e);
    }
  }
}
