package dev.annex.operator.certificates;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** ECDSA P-256 keys: quick to generate on every renewal, accepted by the aggregator and Netty. */
final class KeyPairs {
  private KeyPairs() {
  }

  static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the private key belongs to the public key: sign with one, verify with the other. */
  static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
    try {
      byte[] probe = "annex".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Signature signer = Signature.getInstance(algorithm(privateKey));
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm(privateKey));
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  static String algorithm(PrivateKey key) {
    return "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
  }
}
