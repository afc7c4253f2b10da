package dev.annex.shipping;

import dev.annex.operator.dependents.RuntimeImage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Properties;

/**
 * What one build ships: its version, the operator image, and the runtime image that operator deploys
 * by default (read from the operator's own classes, so the two cannot disagree).
 */
public record Release(String version, String operatorImage, String runtimeImage) {

  public static Release current() {
    try (InputStream in = Release.class.getResourceAsStream("/annex-shipping.properties")) {
      if (in == null) {
        throw new IllegalStateException("annex-shipping.properties missing from the class path");
      }
      Properties properties = new Properties();
      properties.load(in);
      return new Release(properties.getProperty("version"), properties.getProperty("operator.image"),
          RuntimeImage.builtWith());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version as OLM names a CSV: lower case, because object names are DNS subdomains. */
  public String olmVersion() {
    return version.toLowerCase(Locale.ROOT);
  }
}
