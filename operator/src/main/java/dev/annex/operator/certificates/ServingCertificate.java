package dev.annex.operator.certificates;

import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The leaf the runtime serves with. */
public record ServingCertificate(X509Certificate certificate, PrivateKey key) {

  /** DNS names and IP addresses from the subjectAltName extension. */
  public static List<String> subjectAltNames(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> entries = certificate.getSubjectAlternativeNames();
      if (entries != null) {
        for (List<?> entry : entries) {
          names.add(String.valueOf(entry.get(1)));
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return names;
  }
}
