package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

/** What the operator observed: conditions, one entry per APIService, certificate expiry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AggregatedApiStatus {
  public Long observedGeneration;
  public List<Condition> conditions = new ArrayList<>();
  public List<ApiServiceStatus> apiServices = new ArrayList<>();
  /** RFC 3339 time after which the serving certificate is no longer valid. */
  public String certificateNotAfter;

  /** One registered APIService and the aggregator's verdict on it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ApiServiceStatus {
    public String name;
    public Boolean available;
    public String reason;
    public String message;

    public ApiServiceStatus() {
    }

    public ApiServiceStatus(String name, Boolean available, String reason, String message) {
      this.name = name;
      this.available = available;
      this.reason = reason;
      this.message = message;
    }
  }
}
