package dev.annex.apiserver.server;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;

/**
 * The TLS side of the server: loads the serving certificate and key (or generates a self-signed
 * pair into {@code --cert-dir}, as kube-apiserver does), trusts {@code --client-ca-file} for
 * client certificates, and offers h2 and http/1.1 by ALPN. The server asks {@link #sslContext()}
 * for each new connection, so reloading files later changes one place.
 */
public final class ServingCertificates implements Supplier<SslContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ServingCertificates.class);

  private final SslContext context;

  private ServingCertificates(SslContext context) {
    this.context = context;
  }

  public static ServingCertificates load(ServerOptions options) throws IOException, GeneralSecurityException {
    Path cert = options.tlsCertFile();
    Path key = options.tlsPrivateKeyFile();
    if (cert == null) {
      cert = options.certDir().resolve("apiserver.crt");
      key = options.certDir().resolve("apiserver.key");
      if (!Files.exists(cert) || !Files.exists(key)) {
        writeSelfSigned(cert, key);
        LOG.info("generated a self-signed serving certificate into {}", options.certDir());
      }
    }
    List<X509Certificate> chain = readCertificates(cert);
    if (chain.isEmpty()) {
      throw new IOException(cert + ": no certificate found");
    }
    PrivateKey privateKey = readPrivateKey(key);
    SslContextBuilder builder = SslContextBuilder.forServer(privateKey, chain.toArray(X509Certificate[]::new))
        .sslProvider(SslProvider.JDK)
        .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
    if (options.clientCaFile() != null) {
      List<X509Certificate> cas = readCertificates(options.clientCaFile());
      if (cas.isEmpty()) {
        throw new IOException(options.clientCaFile() + ": no certificate found");
      }
      // OPTIONAL: a request without a certificate is anonymous; one with a bad certificate fails the handshake.
      builder.trustManager(cas.toArray(X509Certificate[]::new)).clientAuth(ClientAuth.OPTIONAL);
    }
    try {
      return new ServingCertificates(builder.build());
    } catch (SSLException e) {
      throw new IOException("cannot build the TLS context from " + cert + " and " + key + ": " + e.getMessage(), e);
    }
  }

  public SslContext sslContext() {
    return context;
  }

  @Override
  public SslContext get() {
    return context;
  }

  static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> out = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> out.add((X509Certificate) c));
      return out;
    }
  }

  static PrivateKey readPrivateKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IOException(file + ": no PEM private key found");
    }
  }

  /** A P-256 key and a one-year self-signed certificate for localhost, 127.0.0.1, ::1 and this host. */
  static void writeSelfSigned(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    String host = "localhost";
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException ignored) {
      // no resolvable host name: localhost alone will do
    }
    X500Name subject = new X500Name("CN=" + host + "@" + Instant.now().getEpochSecond());
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
        new BigInteger(63, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(365))), subject, pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.dNSName, host),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1")}));
    X509Certificate cert;
    try {
      cert = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign the self-signed certificate", e);
    }
    Files.createDirectories(certFile.toAbsolutePath().getParent());
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
  }

  static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (Writer w = new JcaPEMWriter(out)) {
      ((JcaPEMWriter) w).writeObject(o);
    }
    return out.toString();
  }
}
