package dev.annex.operator.dependents;

import dev.annex.operator.api.AggregatedApiSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The runtime image: {@code spec.image}, else {@code ANNEX_RUNTIME_IMAGE}, else the image of the same
 * version this operator was built with (a filtered resource, so a release cannot drift from it).
 */
public final class RuntimeImage {
  public static final String ENV = "ANNEX_RUNTIME_IMAGE";
  private static final String BUILT_WITH = load();

  private RuntimeImage() {
  }

  public static String resolve(AggregatedApiSpec spec) {
    if (spec.image != null && !spec.image.isBlank()) {
      return spec.image;
    }
    String fromEnv = System.getenv(ENV);
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : BUILT_WITH;
  }

  public static String builtWith() {
    return BUILT_WITH;
  }

  private static String load() {
    try (InputStream in = RuntimeImage.class.getResourceAsStream("/annex-operator.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("runtime.image", "annex-apiserver:latest");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
