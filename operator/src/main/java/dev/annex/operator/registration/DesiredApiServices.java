package dev.annex.operator.registration;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.ApiVersion;
import dev.annex.operator.dependents.ServiceDependent;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One APIService {@code <version>.<group>} per served version, pointing at the Service with the CA
 * bundle the aggregator verifies the runtime with (as {@code <service>.<namespace>.svc}).
 */
public final class DesiredApiServices {
  /** The owner, in full; the {@link Labels#OWNER} label may be a shortened form of it. */
  public static final String OWNER_NAMESPACE = "annex.dev/owner-namespace";
  public static final String OWNER_NAME = "annex.dev/owner-name";

  private DesiredApiServices() {
  }

  public static List<APIService> of(AggregatedApi api, String caCertificatePem) {
    ResourceNames names = ResourceNames.of(api);
    String caBundle = Base64.getEncoder().encodeToString(caCertificatePem.getBytes(StandardCharsets.UTF_8));
    return api.getSpec().versions.stream()
        .filter(ApiVersion::isServedVersion)
        .map(v -> new APIServiceBuilder()
            .withNewMetadata()
              .withName(v.name + "." + api.getSpec().group)
              .withLabels(Labels.owned(api))
              .addToAnnotations(OWNER_NAMESPACE, names.namespace())
              .addToAnnotations(OWNER_NAME, names.name())
            .endMetadata()
            .withNewSpec()
              .withGroup(api.getSpec().group)
              .withVersion(v.name)
              .withGroupPriorityMinimum(api.getSpec().effectiveGroupPriorityMinimum())
              .withVersionPriority(v.effectiveVersionPriority())
              .withCaBundle(caBundle)
              .withNewService().withNamespace(names.namespace()).withName(names.apiserver())
                .withPort(ServiceDependent.servicePort(api)).endService()
            .endSpec()
            .build())
        .toList();
  }
}
