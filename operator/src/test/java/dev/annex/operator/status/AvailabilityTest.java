package dev.annex.operator.status;

import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AvailabilityTest {
  private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration WAIT = Duration.ofMinutes(1);

  private static APIService service(String name, String status, String reason, String message) {
    var builder = new APIServiceBuilder().withNewMetadata().withName(name).withCreationTimestamp(CREATED.toString())
        .endMetadata();
    if (status != null) {
      builder.withNewStatus().addNewCondition().withType("Available").withStatus(status).withReason(reason)
          .withMessage(message).endCondition().endStatus();
    }
    return builder.build();
  }

  @Test
  void trueOnlyWhenEveryVersionIsAvailable() {
    var all = Availability.of(List.of("v1.g", "v2.g"), Map.of("v1.g", service("v1.g", "True", "Passed", "all checks passed"),
        "v2.g", service("v2.g", "True", "Passed", "all checks passed")), CREATED, WAIT);
    assertThat(all.status()).isEqualTo("True");
    assertThat(all.reason()).isEqualTo("Passed");
  }

  @Test
  void aFailingVersionWinsOverOneStillWaitingAndKeepsTheAggregatorsReason() {
    var verdict = Availability.of(List.of("v1.g", "v2.g", "v3.g"), Map.of(
        "v1.g", service("v1.g", null, null, null),
        "v2.g", service("v2.g", "False", "MissingEndpoints", "endpointslices for service/s in \"ns\" have no addresses"),
        "v3.g", service("v3.g", "False", "ServiceNotFound", "service/s in \"ns\" is not present")), CREATED, WAIT);
    assertThat(verdict.status()).isEqualTo("False");
    assertThat(verdict.reason()).isEqualTo("MissingEndpoints");
    assertThat(verdict.message()).isEqualTo("v2.g: endpointslices for service/s in \"ns\" have no addresses");
  }

  @Test
  void withoutAVerdictItIsPendingUntilTheWaitEndsThenNoAggregatorVerdict() {
    Map<String, APIService> registered = Map.of("v1.g", service("v1.g", null, null, null));
    var early = Availability.of(List.of("v1.g"), registered, CREATED.plusSeconds(20), WAIT);
    assertThat(early.status()).isEqualTo("Unknown");
    assertThat(early.reason()).isEqualTo(Availability.PENDING);
    assertThat(early.recheckIn()).isEqualTo(Duration.ofSeconds(40));

    var late = Availability.of(List.of("v1.g"), registered, CREATED.plus(WAIT), WAIT);
    assertThat(late.status()).isEqualTo("Unknown");
    assertThat(late.reason()).isEqualTo(Availability.NO_AGGREGATOR_VERDICT);
    assertThat(late.recheckIn()).isNull();
  }

  @Test
  void anUnknownWrittenByTheAggregatorIsItsVerdictAndAMissingApiServiceIsNotRegistered() {
    var unknown = Availability.of(List.of("v1.g"), Map.of("v1.g", service("v1.g", "Unknown", "ServiceAccessError",
        "service/s in \"ns\" cannot be checked due to: forbidden")), CREATED, WAIT);
    assertThat(unknown.reason()).isEqualTo("ServiceAccessError");

    var missing = Availability.of(List.of("v1.g"), Map.of(), CREATED, WAIT);
    assertThat(missing.status()).isEqualTo("Unknown");
    assertThat(missing.reason()).isEqualTo(Availability.NOT_REGISTERED);
  }
}
