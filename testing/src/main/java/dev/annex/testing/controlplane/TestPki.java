package dev.annex.testing.controlplane;

import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Certificates for a throwaway cluster: CAs and leaves written as PEM files, the way kubeadm lays
 * out {@code /etc/kubernetes/pki}. Test-only: short-lived, never reused.
 */
public final class TestPki {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration VALIDITY = Duration.ofDays(2);

  private TestPki() {
  }

  /** A certificate and its key, with the files they were written to. */
  public record Issued(X509Certificate certificate, KeyPair keyPair, Path certFile, Path keyFile) {
    public String certificatePem() {
      return pem(certificate);
    }
  }

  /** What a leaf certificate is for and whom it names. */
  public record Subject(String commonName, List<String> organizations, List<String> dnsNames, List<String> ips,
                        boolean server, boolean client) {
    public static Subject server(String commonName, List<String> dnsNames, List<String> ips) {
      return new Subject(commonName, List.of(), dnsNames, ips, true, false);
    }

    public static Subject client(String commonName, String... organizations) {
      return new Subject(commonName, List.of(organizations), List.of(), List.of(), false, true);
    }
  }

  public static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is always available", e);
    }
  }

  /** A self-signed CA written to {@code dir/name.crt} and {@code dir/name.key}. */
  public static Issued certificateAuthority(Path dir, String name, String commonName) {
    KeyPair keys = rsaKeyPair();
    try {
      X509v3CertificateBuilder builder = builder(commonName, List.of(), commonName, keys, Instant.now());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate certificate = sign(builder, keys);
      return write(dir, name, certificate, keys);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create CA " + commonName, e);
    }
  }

  /** A leaf signed by {@code ca}, written to {@code dir/name.crt} and {@code dir/name.key}. */
  public static Issued issue(Issued ca, Path dir, String name, Subject subject) {
    KeyPair keys = rsaKeyPair();
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          ca.certificate(), serial(), Date.from(Instant.now().minusSeconds(60)),
          Date.from(Instant.now().plus(VALIDITY)),
          subjectName(subject.commonName(), subject.organizations()), keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (subject.server()) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (subject.client()) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      List<GeneralName> names = new ArrayList<>();
      subject.dnsNames().forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
      subject.ips().forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      if (!names.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          utils.createAuthorityKeyIdentifier(ca.certificate()));
      X509Certificate certificate = sign(builder, ca.keyPair());
      return write(dir, name, certificate, keys);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue " + subject.commonName() + " by " + ca.certificate(), e);
    }
  }

  /** Writes an RSA key pair's public half (for kube-apiserver's service-account key file). */
  public static Path writePublicKey(Path file, KeyPair keys) {
    return writeString(file, pem(keys.getPublic()));
  }

  public static Path writePrivateKey(Path file, KeyPair keys) {
    return writeString(file, pem(keys.getPrivate()));
  }

  public static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static Issued write(Path dir, String name, X509Certificate certificate, KeyPair keys) {
    Path cert = writeString(dir.resolve(name + ".crt"), pem(certificate));
    Path key = writePrivateKey(dir.resolve(name + ".key"), keys);
    return new Issued(certificate, keys, cert, key);
  }

  private static Path writeString(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509v3CertificateBuilder builder(String commonName, List<String> organizations, String issuer,
                                                  KeyPair keys, Instant now) {
    return new JcaX509v3CertificateBuilder(subjectName(issuer, List.of()), serial(),
        Date.from(now.minusSeconds(60)), Date.from(now.plus(VALIDITY)),
        subjectName(commonName, organizations), keys.getPublic());
  }

  private static org.bouncycastle.asn1.x500.X500Name subjectName(String commonName, List<String> organizations) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    organizations.forEach(o -> name.addRDN(BCStyle.O, o));
    name.addRDN(BCStyle.CN, commonName);
    return name.build();
  }

  private static BigInteger serial() {
    return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
