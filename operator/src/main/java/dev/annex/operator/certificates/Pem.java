package dev.annex.operator.certificates;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/** PEM text in and out. Keys are written as PKCS#8 ("PRIVATE KEY"), the form Netty reads. */
public final class Pem {
  private Pem() {
  }

  public static String encode(X509Certificate certificate) {
    return write(certificate);
  }

  public static String encode(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null));
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String write(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /** The first certificate in the text. */
  public static X509Certificate certificate(String pem) throws InvalidPemException {
    Object object = read(pem);
    if (!(object instanceof X509CertificateHolder holder)) {
      throw new InvalidPemException("no certificate");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new InvalidPemException("unreadable certificate: " + e.getMessage());
    }
  }

  public static PrivateKey privateKey(String pem) throws InvalidPemException {
    Object object = read(pem);
    try {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
    } catch (IOException e) {
      throw new InvalidPemException("unreadable private key: " + e.getMessage());
    }
    throw new InvalidPemException("no private key");
  }

  private static Object read(String pem) throws InvalidPemException {
    if (pem == null || pem.isBlank()) {
      throw new InvalidPemException("empty");
    }
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object == null) {
        throw new InvalidPemException("no PEM block");
      }
      return object;
    } catch (IOException | RuntimeException e) {
      throw new InvalidPemException("not PEM: " + e.getMessage());
    }
  }

  /** The text is not the PEM it should be; the caller re-issues. */
  public static final class InvalidPemException extends Exception {
    public InvalidPemException(String message) {
      super(message);
    }
  }
}
