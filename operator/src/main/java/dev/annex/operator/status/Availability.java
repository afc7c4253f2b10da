package dev.annex.operator.status;

import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceCondition;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The aggregator's verdict on an {@code AggregatedApi}: its APIServices' own {@code Available}
 * conditions, as the kube-aggregator writes them, folded into one. True only when every served
 * version is available; otherwise the first failing version's reason and message pass through
 * unchanged (ServiceNotFound, MissingEndpoints, FailedDiscoveryCheck, ...). An APIService nobody has
 * judged within the wait is reported as {@code NoAggregatorVerdict}: the cluster may have no
 * aggregation layer, and claiming either answer would be a guess.
 */
public record Availability(String status, String reason, String message, Duration recheckIn) {
  public static final String PENDING = "Pending";
  public static final String NO_AGGREGATOR_VERDICT = "NoAggregatorVerdict";
  public static final String NOT_REGISTERED = "NotRegistered";

  /** One APIService's verdict; {@code recheckIn} is set while the wait for a first verdict runs. */
  public static Availability of(String name, APIService service, Instant now, Duration verdictWait) {
    if (service == null) {
      return new Availability("Unknown", NOT_REGISTERED, name + ": the APIService is not registered yet", null);
    }
    Optional<APIServiceCondition> available = available(service);
    if (available.isPresent()) {
      APIServiceCondition c = available.get();
      return new Availability(c.getStatus(), c.getReason(), name + ": " + c.getMessage(), null);
    }
    Instant deadline = created(service, now).plus(verdictWait);
    if (now.isBefore(deadline)) {
      return new Availability("Unknown", PENDING, name + ": waiting for the aggregator's Available condition",
          Duration.between(now, deadline));
    }
    return new Availability("Unknown", NO_AGGREGATOR_VERDICT, name + ": no aggregator wrote an Available condition within "
        + verdictWait.toSeconds() + "s; the cluster may have no aggregation layer", null);
  }

  /**
   * The owner's verdict over its APIServices in the order of its versions: the first False wins,
   * then the first that is not True; True when all are.
   */
  public static Availability of(List<String> names, Map<String, APIService> registered, Instant now, Duration verdictWait) {
    Availability notTrue = null;
    Duration recheck = null;
    for (String name : names) {
      Availability one = of(name, registered.get(name), now, verdictWait);
      if ("False".equals(one.status())) {
        return one;
      }
      if (one.recheckIn() != null && (recheck == null || one.recheckIn().compareTo(recheck) < 0)) {
        recheck = one.recheckIn();
      }
      if (notTrue == null && !"True".equals(one.status())) {
        notTrue = one;
      }
    }
    if (notTrue != null) {
      return new Availability(notTrue.status(), notTrue.reason(), notTrue.message(), recheck);
    }
    return new Availability("True", "Passed", "the aggregator reaches every APIService (" + names.size() + ")", null);
  }

  public static Optional<APIServiceCondition> available(APIService service) {
    if (service.getStatus() == null || service.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return service.getStatus().getConditions().stream().filter(c -> "Available".equals(c.getType())).findFirst();
  }

  private static Instant created(APIService service, Instant now) {
    String created = service.getMetadata().getCreationTimestamp();
    try {
      return created == null ? now : Instant.parse(created);
    } catch (DateTimeParseException e) {
      return now;
    }
  }
}
