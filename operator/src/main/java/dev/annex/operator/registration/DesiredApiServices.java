package dev.annex.operator.registration;

import dev.annex.operator.Labels;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.ApiVersion;
import dev.annex.operator.dependents.ServiceDependent;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import io.fabric8.kubernetes.api.model.APIServiceSpec;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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

  /** The owner named by the annotations Annex puts on every APIService it creates. */
  public static Optional<ResourceID> owner(APIService service) {
    Map<String, String> annotations = service.getMetadata().getAnnotations();
    if (annotations == null || !annotations.containsKey(OWNER_NAME) || !annotations.containsKey(OWNER_NAMESPACE)) {
      return Optional.empty();
    }
    return Optional.of(new ResourceID(annotations.get(OWNER_NAME), annotations.get(OWNER_NAMESPACE)));
  }

  /** Created by Annex: only those are ever updated or deleted. */
  public static boolean isManaged(APIService service) {
    Map<String, String> labels = service.getMetadata().getLabels();
    return labels != null && "annex".equals(labels.get(Labels.MANAGED_BY));
  }

  /**
   * Whether the fields Annex sets are as wanted: service, caBundle, priorities, group and version,
   * insecureSkipTLSVerify off, and Annex's labels and annotations. Anything else (status, other
   * labels) is left to whoever wrote it.
   */
  public static boolean matches(APIService want, APIService have) {
    APIServiceSpec w = want.getSpec();
    APIServiceSpec h = have.getSpec();
    return h != null
        && Objects.equals(w.getGroup(), h.getGroup())
        && Objects.equals(w.getVersion(), h.getVersion())
        && Objects.equals(w.getGroupPriorityMinimum(), h.getGroupPriorityMinimum())
        && Objects.equals(w.getVersionPriority(), h.getVersionPriority())
        && Objects.equals(w.getCaBundle(), h.getCaBundle())
        && !Boolean.TRUE.equals(h.getInsecureSkipTLSVerify())
        && h.getService() != null
        && Objects.equals(w.getService().getNamespace(), h.getService().getNamespace())
        && Objects.equals(w.getService().getName(), h.getService().getName())
        && Objects.equals(w.getService().getPort(), h.getService().getPort())
        && contains(have.getMetadata().getLabels(), want.getMetadata().getLabels())
        && contains(have.getMetadata().getAnnotations(), want.getMetadata().getAnnotations());
  }

  private static boolean contains(Map<String, String> have, Map<String, String> want) {
    return have != null && have.entrySet().containsAll(want.entrySet());
  }
}
