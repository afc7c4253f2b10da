package dev.annex.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One aggregated API group, served by the shared runtime and registered with the aggregator. */
@Group(AggregatedApi.GROUP)
@Version(AggregatedApi.VERSION)
@ShortNames("aa")
@AdditionalPrinterColumn(name = "Group", jsonPath = ".spec.group")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class AggregatedApi extends CustomResource<AggregatedApiSpec, AggregatedApiStatus> implements Namespaced {
  public static final String GROUP = "annex.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected AggregatedApiStatus initStatus() {
    return new AggregatedApiStatus();
  }
}
