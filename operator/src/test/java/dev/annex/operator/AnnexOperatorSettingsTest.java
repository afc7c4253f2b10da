package dev.annex.operator;

import dev.annex.operator.AggregatedApiReconciler.ServiceNetwork;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnnexOperatorSettingsTest {

  @Test
  void theServiceNetworkIsWhatTheEnvironmentSays() {
    assertThat(AnnexOperator.Settings.serviceNetwork(Map.of("ANNEX_SERVICE_NETWORK", "reachable")))
        .isEqualTo(ServiceNetwork.REACHABLE);
    assertThat(AnnexOperator.Settings.serviceNetwork(Map.of("ANNEX_SERVICE_NETWORK", "Unreachable",
        "KUBERNETES_SERVICE_HOST", "10.96.0.1"))).isEqualTo(ServiceNetwork.UNREACHABLE);
  }

  @Test
  void outsideAPodServiceAddressesAreNotDialled() {
    assertThat(AnnexOperator.Settings.serviceNetwork(Map.of())).isEqualTo(ServiceNetwork.UNREACHABLE);
  }

  @Test
  void anUnknownValueIsRefused() {
    assertThatThrownBy(() -> AnnexOperator.Settings.serviceNetwork(Map.of("ANNEX_SERVICE_NETWORK", "maybe")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reachable or unreachable");
  }
}
