package dev.annex.operator.certificates;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** A self-signed CA that signs the serving certificates of one {@code AggregatedApi}. */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {

  /** Long enough that the caBundle registered with the aggregator rarely changes. */
  public static final Duration VALIDITY = Duration.ofDays(3650);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Backdating absorbs clock skew between the operator and the aggregator. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  public static CertificateAuthority create(String commonName, Instant now) {
    KeyPair pair = KeyPairs.generate();
    X500Name subject = new X500Name("CN=" + commonName);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create CA", e);
    }
  }

  /** A serving certificate for the DNS names and IP addresses, valid from now for {@code validity}. */
  public ServingCertificate issueServing(List<String> dnsNames, List<String> ipAddresses, Duration validity, Instant now) {
    KeyPair pair = KeyPairs.generate();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();
    }
    GeneralName[] names = new GeneralName[dnsNames.size() + ipAddresses.size()];
    int i = 0;
    for (String dns : dnsNames) {
      names[i++] = new GeneralName(GeneralName.dNSName, dns);
    }
    for (String ip : ipAddresses) {
      names[i++] = new GeneralName(GeneralName.iPAddress, ip);
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(notAfter), new X500Name("CN=" + dnsNames.get(0)), pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      return new ServingCertificate(sign(builder, key), pair.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue serving certificate", e);
    }
  }

  /** Whether {@code leaf} was signed by this CA's key. */
  public boolean signed(X509Certificate leaf) {
    try {
      leaf.verify(certificate.getPublicKey());
      return leaf.getIssuerX500Principal().equals(certificate.getSubjectX500Principal());
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(KeyPairs.algorithm(key)).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
