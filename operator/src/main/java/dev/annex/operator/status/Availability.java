package dev.annex.operator.status;

import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceCondition;

import java.util.List;
import java.util.Optional;

/**
 * The aggregator's verdict on an {@code AggregatedApi}: its APIServices' own {@code Available}
 * conditions folded into one (reasons such as MissingEndpoints, FailedDiscoveryCheck, Passed pass
 * through unchanged), so {@code kubectl get aa} shows whether requests reach the runtime.
 */
public record Availability(String status, String reason, String message) {

  public static Availability of(List<APIService> apiServices) {
    String pending = null;
    for (APIService service : apiServices) {
      Optional<APIServiceCondition> available = available(service);
      if (available.isEmpty() || "Unknown".equals(available.get().getStatus())) {
        pending = pending == null ? service.getMetadata().getName() : pending;
      } else if (!"True".equals(available.get().getStatus())) {
        return new Availability("False", available.get().getReason(),
            service.getMetadata().getName() + ": " + available.get().getMessage());
      }
    }
    if (pending != null) {
      return new Availability("Unknown", "Pending", "the aggregator has not reported on " + pending + " yet");
    }
    return new Availability("True", "Passed", "the aggregator reaches every APIService ("
        + apiServices.size() + ")");
  }

  public static Optional<APIServiceCondition> available(APIService service) {
    if (service.getStatus() == null || service.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return service.getStatus().getConditions().stream().filter(c -> "Available".equals(c.getType())).findFirst();
  }
}
