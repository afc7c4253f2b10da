package dev.annex.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Condition types and the one way to set one. */
public final class Conditions {
  public static final String CERTIFICATE_READY = "CertificateReady";
  public static final String BACKEND_READY = "BackendReady";
  public static final String API_SERVICES_REGISTERED = "APIServicesRegistered";
  /** The aggregator's own verdict, folded from the APIServices' Available conditions. */
  public static final String AVAILABLE = "Available";
  /** The operator's own discovery probe of the backend, beside the aggregator's verdict. */
  public static final String BACKEND_REACHABLE = "BackendReachable";
  public static final String READY = "Ready";

  private Conditions() {
  }

  /** The conditions as {@code kubectl describe} lists them: type, status, reason, message; for logs and errors. */
  public static String describe(List<Condition> conditions) {
    if (conditions == null) {
      return "  (no status)";
    }
    StringBuilder text = new StringBuilder();
    for (Condition c : conditions) {
      text.append(String.format("  %-22s %-7s %-22s %s%n", c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
    }
    return text.toString();
  }

  /**
   * Sets (or adds) the condition of that type. {@code lastTransitionTime} only moves when the status
   * flips, so a reconcile that finds nothing new leaves the status byte for byte as it was.
   */
  public static void set(List<Condition> conditions, String type, boolean status, String reason, String message,
      Long generation, Instant now) {
    set(conditions, type, status ? "True" : "False", reason, message, generation, now);
  }

  /** As above, for the three-valued status ("True", "False", "Unknown") the aggregator reports. */
  public static void set(List<Condition> conditions, String type, String value, String reason, String message,
      Long generation, Instant now) {
    Optional<Condition> existing = find(conditions, type);
    String transition = existing.filter(c -> value.equals(c.getStatus())).map(Condition::getLastTransitionTime)
        .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    Condition next = new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withObservedGeneration(generation).withLastTransitionTime(transition).build();
    existing.ifPresentOrElse(c -> conditions.set(conditions.indexOf(c), next), () -> conditions.add(next));
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
