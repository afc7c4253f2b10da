package dev.annex.operator.certificates;

import dev.annex.operator.certificates.CertificateBundle.Outcome;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ServingCertificatesTest {
  private static final List<String> NAMES = List.of("w-apiserver", "w-apiserver.ns", "w-apiserver.ns.svc",
      "w-apiserver.ns.svc.cluster.local");
  private static final Duration VALIDITY = Duration.ofHours(2);
  private static final Duration RENEW_BEFORE = Duration.ofHours(1);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static CertificateBundle resolve(Map<String, String> ca, Map<String, String> serving, List<String> names,
      Instant now) {
    return ServingCertificates.resolve("test-ca", ca, serving, names, List.of(), VALIDITY, RENEW_BEFORE, now);
  }

  private static Map<String, String> ca(CertificateBundle b) {
    return new HashMap<>(Map.of("tls.crt", b.caCertificatePem(), "tls.key", b.caKeyPem()));
  }

  private static Map<String, String> serving(CertificateBundle b) {
    return new HashMap<>(Map.of("tls.crt", b.certificatePem(), "tls.key", b.keyPem(), "ca.crt", b.caCertificatePem()));
  }

  @Test
  void issuesACaAndALeafThatChainsToItAndCoversEveryName() throws Exception {
    CertificateBundle b = resolve(Map.of(), Map.of(), NAMES, T0);
    assertThat(b.ca()).isEqualTo(Outcome.ISSUED);
    assertThat(b.leaf()).isEqualTo(Outcome.ISSUED);
    X509Certificate ca = Pem.certificate(b.caCertificatePem());
    X509Certificate leaf = Pem.certificate(b.certificatePem());
    leaf.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(ServingCertificate.subjectAltNames(leaf)).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(KeyPairs.matches(Pem.privateKey(b.keyPem()), leaf.getPublicKey())).isTrue();
    assertThat(b.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(b.notAfter()).isEqualTo(T0.plus(VALIDITY));
  }

  @Test
  void keepsValidMaterialByteForByte() {
    CertificateBundle first = resolve(Map.of(), Map.of(), NAMES, T0);
    CertificateBundle again = resolve(ca(first), serving(first), NAMES, T0.plus(Duration.ofMinutes(30)));
    assertThat(again.ca()).isEqualTo(Outcome.KEPT);
    assertThat(again.leaf()).isEqualTo(Outcome.KEPT);
    assertThat(again).usingRecursiveComparison().ignoringFields("reason").isEqualTo(
        new CertificateBundle(first.caCertificatePem(), first.caKeyPem(), first.certificatePem(), first.keyPem(),
            first.notAfter(), Outcome.KEPT, Outcome.KEPT, ""));
  }

  @Test
  void renewsTheLeafInsideTheWindowAndKeepsTheCa() throws Exception {
    CertificateBundle first = resolve(Map.of(), Map.of(), NAMES, T0);
    CertificateBundle renewed = resolve(ca(first), serving(first), NAMES, T0.plus(Duration.ofMinutes(61)));
    assertThat(renewed.ca()).isEqualTo(Outcome.KEPT);
    assertThat(renewed.leaf()).isEqualTo(Outcome.RENEWED);
    assertThat(renewed.caCertificatePem()).isEqualTo(first.caCertificatePem());
    assertThat(renewed.certificatePem()).isNotEqualTo(first.certificatePem());
    Pem.certificate(renewed.certificatePem()).verify(Pem.certificate(first.caCertificatePem()).getPublicKey());
    assertThat(renewed.notAfter()).isAfter(first.notAfter());
  }

  @Test
  void repairsDamagedSecretsAndKeepsTheCa() {
    CertificateBundle first = resolve(Map.of(), Map.of(), NAMES, T0);
    CertificateBundle other = resolve(Map.of(), Map.of(), NAMES, T0);
    List<Map<String, String>> damaged = List.of(
        with(serving(first), "tls.key", "garbage"),
        without(serving(first), "tls.key"),
        with(serving(first), "tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        with(serving(first), "tls.key", other.keyPem()),
        with(serving(first), "ca.crt", other.caCertificatePem()),
        with(with(serving(first), "tls.crt", other.certificatePem()), "tls.key", other.keyPem()));
    for (Map<String, String> data : damaged) {
      CertificateBundle repaired = resolve(ca(first), data, NAMES, T0.plus(Duration.ofMinutes(1)));
      assertThat(repaired.leaf()).as(data.toString()).isEqualTo(Outcome.REPAIRED);
      assertThat(repaired.ca()).isEqualTo(Outcome.KEPT);
      assertThat(repaired.caCertificatePem()).isEqualTo(first.caCertificatePem());
    }
  }

  @Test
  void reissuesWhenTheNamesChange() throws Exception {
    CertificateBundle first = resolve(Map.of(), Map.of(), NAMES, T0);
    List<String> more = new java.util.ArrayList<>(NAMES);
    more.add("localhost");
    CertificateBundle b = ServingCertificates.resolve("test-ca", ca(first), serving(first), more, List.of("127.0.0.1"),
        VALIDITY, RENEW_BEFORE, T0);
    assertThat(b.leaf()).isEqualTo(Outcome.RENEWED);
    assertThat(ServingCertificate.subjectAltNames(Pem.certificate(b.certificatePem())))
        .contains("localhost", "127.0.0.1");
  }

  @Test
  void replacesAGarbageCa() {
    CertificateBundle b = resolve(Map.of("tls.crt", "nope", "tls.key", "nope"), Map.of(), NAMES, T0);
    assertThat(b.ca()).isEqualTo(Outcome.RENEWED);
    assertThat(b.leaf()).isEqualTo(Outcome.ISSUED);
  }

  private static Map<String, String> with(Map<String, String> data, String key, String value) {
    Map<String, String> copy = new HashMap<>(data);
    copy.put(key, value);
    return copy;
  }

  private static Map<String, String> without(Map<String, String> data, String key) {
    Map<String, String> copy = new HashMap<>(data);
    copy.remove(key);
    return copy;
  }
}
