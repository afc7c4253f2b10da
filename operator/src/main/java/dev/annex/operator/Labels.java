package dev.annex.operator;

import dev.annex.operator.api.AggregatedApi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels on every object Annex creates, so they can be listed and told apart. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  /** On cluster-scoped and cross-namespace objects, which owner references cannot point from. */
  public static final String OWNER = "annex.dev/owner";
  public static final String MANAGED_BY_ANNEX = MANAGED_BY + "=annex";
  /**
   * Tells the two certificate Secrets apart. Each has an informer of its own that sees only its
   * Secret: with one shared selector, a deleted Secret lingered in the other informer's cache and was
   * recreated from that stale copy instead of being re-issued.
   */
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String CERTIFICATE_AUTHORITY = "certificate-authority";
  public static final String SERVING_CERTIFICATE = "serving-certificate";
  public static final String CA_SECRET_SELECTOR = MANAGED_BY_ANNEX + "," + COMPONENT + "=" + CERTIFICATE_AUTHORITY;
  public static final String SERVING_SECRET_SELECTOR = MANAGED_BY_ANNEX + "," + COMPONENT + "=" + SERVING_CERTIFICATE;

  private Labels() {
  }

  public static Map<String, String> common(AggregatedApi api) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, "annex");
    labels.put(NAME, "annex-apiserver");
    labels.put(INSTANCE, api.getMetadata().getName());
    return labels;
  }

  /** The pod selector: stable for the life of the Deployment. */
  public static Map<String, String> selector(AggregatedApi api) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, "annex-apiserver");
    labels.put(INSTANCE, api.getMetadata().getName());
    return labels;
  }

  public static Map<String, String> owned(AggregatedApi api) {
    Map<String, String> labels = common(api);
    labels.put(OWNER, ownerValue(api));
    return labels;
  }

  /**
   * {@code <namespace>.<name>}; a label value holds at most 63 characters, so longer pairs are
   * shortened with a hash that keeps them unique.
   */
  public static String ownerValue(AggregatedApi api) {
    String value = api.getMetadata().getNamespace() + "." + api.getMetadata().getName();
    if (value.length() <= 63) {
      return value;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return value.substring(0, 50) + "-" + HexFormat.of().formatHex(digest).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
