package dev.annex.operator.dependents;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.External;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The Service the APIServices point at: port 443 to the runtime's pods, or, for {@code spec.external},
 * an ExternalName Service to the outside host on its port (the aggregator resolves it itself).
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY_ANNEX))
public class ServiceDependent extends OwnedDependent<Service> {
  public static final int PORT = 443;

  public ServiceDependent() {
    super(Service.class);
  }

  @Override
  String name(ResourceNames names) {
    return names.apiserver();
  }

  /** The port APIServices must name: 443, or the external backend's own port. */
  public static int servicePort(AggregatedApi api) {
    External external = api.getSpec().external;
    return external == null ? PORT : external.effectivePort();
  }

  @Override
  protected Service desired(AggregatedApi primary, Context<AggregatedApi> context) {
    ResourceNames names = ResourceNames.of(primary);
    External external = primary.getSpec().external;
    var builder = new ServiceBuilder()
        .withNewMetadata()
          .withName(names.apiserver()).withNamespace(names.namespace()).withLabels(Labels.common(primary))
        .endMetadata();
    if (external != null) {
      return builder.withNewSpec()
          .withType("ExternalName").withExternalName(external.host)
          .addNewPort().withName("https").withProtocol("TCP").withPort(external.effectivePort()).endPort()
          .endSpec().build();
    }
    return builder.withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(primary))
        .addNewPort().withName("https").withProtocol("TCP").withPort(PORT)
          .withTargetPort(new IntOrString("https")).endPort()
        .endSpec().build();
  }
}
