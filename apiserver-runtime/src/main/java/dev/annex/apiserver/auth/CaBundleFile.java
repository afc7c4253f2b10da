package dev.annex.apiserver.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A CA bundle read from a file ({@code --client-ca-file}, {@code --requestheader-client-ca-file}) and
 * read again when its content changes (k8s {@code DynamicFileCAContent}): {@link #reload()} is
 * called periodically; a file that is briefly missing or half-written keeps the last good bundle.
 */
public final class CaBundleFile implements Supplier<CaBundle> {

  private static final Logger LOG = LoggerFactory.getLogger(CaBundleFile.class);

  private final Path file;
  private final AtomicReference<CaBundle> current = new AtomicReference<>();
  private byte[] lastContent;

  /** Reads the file now; it must hold at least one certificate. */
  public CaBundleFile(Path file) throws IOException, CertificateException {
    this.file = file;
    byte[] content = Files.readAllBytes(file);
    current.set(CaBundle.parse(new String(content, java.nio.charset.StandardCharsets.UTF_8)));
    lastContent = content;
  }

  @Override
  public CaBundle get() {
    return current.get();
  }

  public Path file() {
    return file;
  }

  /** Reads the file again; true when a new bundle was loaded. */
  public synchronized boolean reload() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      return false;
    }
    if (Arrays.equals(content, lastContent)) {
      return false;
    }
    try {
      current.set(CaBundle.parse(new String(content, java.nio.charset.StandardCharsets.UTF_8)));
      lastContent = content;
      LOG.info("loaded a new CA bundle from {}", file);
      return true;
    } catch (CertificateException e) {
      LOG.warn("{} does not hold a CA bundle ({}); keeping the previous one", file, e.getMessage());
      return false;
    }
  }
}
