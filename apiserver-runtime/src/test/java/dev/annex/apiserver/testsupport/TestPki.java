package dev.annex.apiserver.testsupport;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A throwaway PKI for tests: one CA, a serving certificate for localhost/127.0.0.1, and client
 * certificates (CN = user, O = groups) signed by the same CA, written as PEM files.
 */
public final class TestPki {

  public record Issued(KeyPair keys, X509Certificate certificate, Path certFile, Path keyFile) {
  }

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Path caFile;
  private final X500Name caName;

  public TestPki(Path dir) throws Exception {
    this(dir, "annex-test-ca");
  }

  /** A PKI of its own, its CA named {@code caName}, writing its files into {@code dir}. */
  public TestPki(Path dir, String caName) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.caKeys = keyPair();
    this.caName = new X500Name("CN=" + caName);
    X509v3CertificateBuilder b = builder(this.caName, this.caName, caKeys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    this.ca = sign(b, caKeys);
    this.caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, pem(ca));
  }

  public Path caFile() {
    return caFile;
  }

  public X509Certificate ca() {
    return ca;
  }

  public Issued serving() throws Exception {
    KeyPair keys = keyPair();
    X509v3CertificateBuilder b = builder(new X500Name("CN=localhost"), caName, keys);
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    return write("serving", keys, sign(b, caKeys));
  }

  public Issued client(String user, String... groups) throws Exception {
    KeyPair keys = keyPair();
    StringBuilder subject = new StringBuilder();
    for (String g : groups) {
      subject.append("O=").append(g).append(",");
    }
    subject.append("CN=").append(user);
    X509v3CertificateBuilder b = builder(new X500Name(subject.toString()), caName, keys);
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    return write("client-" + user, keys, sign(b, caKeys));
  }

  /** An SSLContext trusting the CA and presenting {@code client} (null for none). */
  public SSLContext sslContext(Issued client) throws Exception {
    return sslContext(client, ca);
  }

  /**
   * An SSLContext trusting {@code serverCa} and presenting {@code client} whatever CAs the server
   * names in its certificate request (the JDK would otherwise send no certificate the server did
   * not ask for, and a test of a certificate from the wrong CA would test nothing).
   */
  public static SSLContext sslContext(Issued client, X509Certificate serverCa) throws Exception {
    return sslContext(client, serverCa, null);
  }

  /** As {@link #sslContext(Issued, X509Certificate)}, adding the CAs each handshake names to {@code namedIssuers}. */
  public static SSLContext sslContext(Issued client, X509Certificate serverCa, List<Principal> namedIssuers)
      throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", serverCa);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    if (client != null) {
      keys.setKeyEntry("client", client.keys().getPrivate(), new char[0], new X509Certificate[] {client.certificate()});
    }
    kmf.init(keys, new char[0]);
    X509ExtendedKeyManager chosen = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
    KeyManager always = new X509ExtendedKeyManager() {
      private String alias(Principal[] issuers) {
        if (namedIssuers != null && issuers != null) {
          namedIssuers.addAll(List.of(issuers));
        }
        return client == null ? null : "client";
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return client == null ? null : new String[] {alias(issuers)};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return alias(issuers);
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return alias(issuers);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return chosen.getCertificateChain(alias);
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return chosen.getPrivateKey(alias);
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[] {always}, tmf.getTrustManagers(), new SecureRandom());
    return ctx;
  }

  private Issued write(String name, KeyPair keys, X509Certificate cert) throws Exception {
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
    return new Issued(keys, cert, certFile, keyFile);
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(63, new SecureRandom()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  public static String pem(Object o) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }
}
