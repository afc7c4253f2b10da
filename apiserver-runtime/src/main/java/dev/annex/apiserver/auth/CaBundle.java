package dev.annex.apiserver.auth;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of CA certificates (a PEM bundle such as {@code client-ca-file}) and the one check made
 * with it: does a client's certificate chain to one of them, for client authentication. The
 * check is the authenticators', not the TLS handshake's, so a certificate from elsewhere is a 401
 * rather than a failed handshake (k8s x509 {@code Verifier}).
 */
public record CaBundle(List<X509Certificate> certificates) {

  public static final CaBundle EMPTY = new CaBundle(List.of());

  /** id-kp-clientAuth and anyExtendedKeyUsage. */
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_USAGE = "2.5.29.37.0";

  public CaBundle {
    certificates = List.copyOf(certificates);
  }

  public static CaBundle parse(String pem) throws CertificateException {
    if (pem == null || pem.isBlank()) {
      return EMPTY;
    }
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))
        .forEach(c -> out.add((X509Certificate) c));
    if (out.isEmpty()) {
      throw new CertificateException("no certificate found in the PEM data");
    }
    return new CaBundle(out);
  }

  public boolean isEmpty() {
    return certificates.isEmpty();
  }

  /**
   * Verifies {@code chain} (leaf first, then any intermediates the client sent) up to one of these
   * CAs, now, for client authentication; the message says why not.
   */
  public void verifyClient(List<X509Certificate> chain) throws CertificateException {
    if (chain.isEmpty()) {
      throw new CertificateException("no client certificate");
    }
    if (certificates.isEmpty()) {
      throw new CertificateException("no CA to verify client certificates against");
    }
    X509Certificate leaf = chain.get(0);
    List<String> usages = leaf.getExtendedKeyUsage();
    if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_USAGE)) {
      throw new CertificateException("x509: certificate specifies an incompatible key usage");
    }
    Set<TrustAnchor> anchors = new HashSet<>();
    certificates.forEach(ca -> anchors.add(new TrustAnchor(ca, null)));
    X509CertSelector target = new X509CertSelector();
    target.setCertificate(leaf);
    try {
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
      params.setRevocationEnabled(false);
      params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain)));
      CertPathBuilder.getInstance("PKIX").build(params);
    } catch (CertPathBuilderException e) {
      throw new CertificateException("verifying certificate " + leaf.getSubjectX500Principal().getName()
          + " failed: x509: certificate signed by unknown authority or not valid now", e);
    } catch (InvalidAlgorithmParameterException e) {
      throw new CertificateException("cannot verify against the CA bundle: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("cannot verify the client certificate: " + e.getMessage(), e);
    }
  }
}
