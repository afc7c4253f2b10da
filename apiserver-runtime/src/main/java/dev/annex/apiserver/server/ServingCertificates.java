package dev.annex.apiserver.server;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
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

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The TLS side of the server: loads the serving certificate and key (or generates a self-signed
 * pair into {@code --cert-dir}, as kube-apiserver does) and offers h2 and http/1.1 by ALPN. It asks
 * for a client certificate but does not require one, and does not judge it: the authenticators
 * verify it against the client CA or the front-proxy CA (k8s {@code tls.RequestClientCert}), so a
 * certificate from elsewhere is a 401, not a failed handshake. The CAs are still named in the
 * handshake so clients pick the right certificate.
 * <p>
 * The server asks {@link #get()} for each new connection; {@link #reload()} (called periodically)
 * reads the files again and, when they changed and the key matches the certificate, serves the new
 * pair from the next connection on (k8s {@code DynamicServingCertificateController}); connections
 * already open keep theirs, so a renewal fails no request. A change of the accepted CAs (the
 * client CA or front-proxy CA reloaded) also makes a new context: BoringSSL takes the CA names
 * when a context is built, not per handshake.
 * <p>
 * TLS is BoringSSL's (netty-tcnative) where its native library loads, else the JDK's engine.
 */
public final class ServingCertificates implements Supplier<SslContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ServingCertificates.class);

  /** BoringSSL's key exchange and record layer cost a fraction of the JDK's CPU and garbage (bench/). */
  static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

  private final Path certFile;
  private final Path keyFile;
  private final Supplier<List<X509Certificate>> acceptedIssuers;
  private final AtomicReference<Served> served = new AtomicReference<>();
  private byte[] loadedCert;
  private byte[] loadedKey;

  /** A context and the accepted CAs it names. */
  private record Served(SslContext context, List<X509Certificate> issuers) {
  }

  private ServingCertificates(Path certFile, Path keyFile, Supplier<List<X509Certificate>> acceptedIssuers) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.acceptedIssuers = acceptedIssuers;
  }

  /** {@code acceptedIssuers}: the CAs named in the certificate request (client CA and front-proxy CA, current). */
  public static ServingCertificates load(ServerOptions options, Supplier<List<X509Certificate>> acceptedIssuers)
      throws IOException, GeneralSecurityException {
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
    ServingCertificates tls = new ServingCertificates(cert, key, acceptedIssuers);
    byte[] certBytes = Files.readAllBytes(cert);
    byte[] keyBytes = Files.readAllBytes(key);
    tls.served.set(tls.build(certBytes, keyBytes, acceptedIssuers.get()));
    tls.loadedCert = certBytes;
    tls.loadedKey = keyBytes;
    if (PROVIDER == SslProvider.JDK) {
      LOG.info("TLS by the JDK's engine: BoringSSL is not available here ({})", OpenSsl.unavailabilityCause().toString());
    }
    return tls;
  }

  /** Reads the pair again; true when a new one is served from now on. A half-written or mismatched pair waits. */
  public synchronized boolean reload() {
    byte[] certBytes;
    byte[] keyBytes;
    try {
      certBytes = Files.readAllBytes(certFile);
      keyBytes = Files.readAllBytes(keyFile);
    } catch (IOException e) {
      return false; // a Secret volume swaps its files by renaming a symlink: try again on the next tick
    }
    if (Arrays.equals(certBytes, loadedCert) && Arrays.equals(keyBytes, loadedKey)) {
      return false;
    }
    try {
      served.set(build(certBytes, keyBytes, acceptedIssuers.get()));
      loadedCert = certBytes;
      loadedKey = keyBytes;
      LOG.info("serving a new certificate from {}", certFile);
      return true;
    } catch (IOException | GeneralSecurityException e) {
      LOG.debug("not reloading {} and {} yet: {}", certFile, keyFile, e.getMessage());
      return false;
    }
  }

  private Served build(byte[] certBytes, byte[] keyBytes, List<X509Certificate> issuers)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = new ArrayList<>();
    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(certBytes))
        .forEach(c -> chain.add((X509Certificate) c));
    if (chain.isEmpty()) {
      throw new IOException(certFile + ": no certificate found");
    }
    PrivateKey privateKey = readPrivateKey(new String(keyBytes, StandardCharsets.UTF_8), keyFile);
    checkPair(chain.get(0), privateKey);
    SslContextBuilder builder = SslContextBuilder.forServer(privateKey, chain.toArray(X509Certificate[]::new))
        .sslProvider(PROVIDER)
        .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
        .trustManager(new RequestClientCertificate(issuers))
        .clientAuth(ClientAuth.OPTIONAL);
    try {
      return new Served(builder.build(), List.copyOf(issuers));
    } catch (SSLException e) {
      throw new IOException("cannot build the TLS context from " + certFile + " and " + keyFile + ": " + e.getMessage(), e);
    }
  }

  /** A renewed certificate written before its key (or the other way round) must not be served. */
  private static void checkPair(X509Certificate certificate, PrivateKey key) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519" -> "Ed25519";
      default -> "SHA256with" + key.getAlgorithm(); // RSA
    };
    byte[] probe = "annex-serving-pair".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the private key does not match the certificate");
    }
  }

  @Override
  public SslContext get() {
    Served current = served.get();
    List<X509Certificate> issuers = acceptedIssuers.get();
    return current.issuers().equals(issuers) ? current.context() : nameNewIssuers(issuers);
  }

  private synchronized SslContext nameNewIssuers(List<X509Certificate> issuers) {
    Served current = served.get();
    if (current.issuers().equals(issuers)) {
      return current.context();
    }
    try {
      Served renewed = build(loadedCert, loadedKey, issuers);
      served.set(renewed);
      return renewed.context();
    } catch (IOException | GeneralSecurityException e) {
      // the same pair built before; should it not now, the old CA names are better than no TLS
      LOG.warn("cannot name the new client CAs in the handshake: {}", e.getMessage());
      return current.context();
    }
  }

  /**
   * Takes any client certificate into the session unjudged (the authenticators judge it per
   * request against the CAs current then) and names the accepted CAs in the certificate request.
   */
  private static final class RequestClientCertificate extends X509ExtendedTrustManager {
    private final List<X509Certificate> acceptedIssuers;

    RequestClientCertificate(List<X509Certificate> acceptedIssuers) {
      this.acceptedIssuers = acceptedIssuers;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      throw new CertificateException("a server does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      throw new CertificateException("a server does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a server does not verify servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return acceptedIssuers.toArray(X509Certificate[]::new);
    }
  }

  static PrivateKey readPrivateKey(String pem, Path file) throws IOException {
    try (Reader reader = new StringReader(pem); PEMParser parser = new PEMParser(reader)) {
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
