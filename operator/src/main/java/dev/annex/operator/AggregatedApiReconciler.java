package dev.annex.operator;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.AggregatedApiStatus;
import dev.annex.operator.api.CertificatePolicy;
import dev.annex.operator.certificates.CertificateBundle;
import dev.annex.operator.certificates.GoDuration;
import dev.annex.operator.certificates.ServingCertificates;
import dev.annex.operator.dependents.AuthDelegatorBindingDependent;
import dev.annex.operator.dependents.AuthReaderBindingDependent;
import dev.annex.operator.dependents.CaSecretDependent;
import dev.annex.operator.dependents.Certificates;
import dev.annex.operator.dependents.DefinitionConfigMapDependent;
import dev.annex.operator.dependents.DeploymentDependent;
import dev.annex.operator.dependents.HighlyAvailable;
import dev.annex.operator.dependents.InClusterBackend;
import dev.annex.operator.dependents.PodDisruptionBudgetDependent;
import dev.annex.operator.dependents.ServiceAccountDependent;
import dev.annex.operator.dependents.ServiceDependent;
import dev.annex.operator.dependents.ServingSecretDependent;
import dev.annex.operator.registration.ApiServiceRegistration;
import dev.annex.operator.registration.DesiredApiServices;
import dev.annex.operator.status.Availability;
import dev.annex.operator.status.BackendReadiness;
import dev.annex.operator.status.Conditions;
import dev.annex.operator.status.EventRecorder;
import dev.annex.operator.validation.AggregatedApiValidator;
import dev.annex.operator.validation.SpecProblem;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates the spec, resolves the certificates, runs the workflow of owned objects, registers the
 * APIServices and writes the status. The workflow is invoked explicitly so that a refused spec
 * changes nothing in the cluster.
 */
@ControllerConfiguration(name = AggregatedApiReconciler.NAME)
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = "ca-secret", type = CaSecretDependent.class),
    @Dependent(name = "serving-secret", type = ServingSecretDependent.class, dependsOn = "ca-secret"),
    @Dependent(name = "definition", type = DefinitionConfigMapDependent.class),
    @Dependent(name = "service-account", type = ServiceAccountDependent.class),
    @Dependent(name = "auth-delegator", type = AuthDelegatorBindingDependent.class, dependsOn = "service-account"),
    @Dependent(name = "auth-reader", type = AuthReaderBindingDependent.class, dependsOn = "service-account"),
    @Dependent(name = "deployment", type = DeploymentDependent.class, reconcilePrecondition = InClusterBackend.class,
        dependsOn = {"serving-secret", "definition", "service-account"}),
    @Dependent(name = "service", type = ServiceDependent.class),
    @Dependent(name = "disruption-budget", type = PodDisruptionBudgetDependent.class,
        reconcilePrecondition = HighlyAvailable.class, dependsOn = "deployment"),
})
public class AggregatedApiReconciler implements Reconciler<AggregatedApi>, Cleaner<AggregatedApi> {
  public static final String NAME = "aggregatedapi";
  private static final Logger log = LoggerFactory.getLogger(AggregatedApiReconciler.class);

  /** Plain Jackson: enough to compare and copy the status, which holds no Kubernetes-specific types. */
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;

  public AggregatedApiReconciler(Clock clock) {
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, AggregatedApi>> prepareEventSources(EventSourceContext<AggregatedApi> context) {
    // APIServices are cluster-scoped: map them back by the owner annotations, so a deleted or
    // edited APIService (or a change of its Available condition) re-triggers its AggregatedApi.
    var config = InformerEventSourceConfiguration.from(APIService.class, AggregatedApi.class)
        .withLabelSelector(Labels.MANAGED_BY_ANNEX)
        .withSecondaryToPrimaryMapper((APIService s) -> {
          var annotations = s.getMetadata().getAnnotations();
          if (annotations == null || !annotations.containsKey(DesiredApiServices.OWNER_NAME)) {
            return Set.of();
          }
          return Set.of(new ResourceID(annotations.get(DesiredApiServices.OWNER_NAME),
              annotations.get(DesiredApiServices.OWNER_NAMESPACE)));
        })
        .build();
    return List.of(new InformerEventSource<>(config, context));
  }

  @Override
  public UpdateControl<AggregatedApi> reconcile(AggregatedApi api, Context<AggregatedApi> context) {
    Instant now = clock.instant();
    AggregatedApiStatus before = copy(api.getStatus());
    AggregatedApiStatus status = copy(api.getStatus());
    Long generation = api.getMetadata().getGeneration();
    status.observedGeneration = generation;

    Optional<SpecProblem> problem = AggregatedApiValidator.validate(api, context.getPrimaryCache().list().toList());
    if (problem.isPresent()) {
      return refuse(api, context, before, status, problem.get(), now);
    }

    ResourceNames names = ResourceNames.of(api);
    CertificateBundle certificates = resolveCertificates(api, names, context, now);
    recordCertificateEvents(api, context, certificates);
    Certificates.put(context, certificates);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow()
        .throwAggregateExceptionIfErrorsPresent();

    var registration = ApiServiceRegistration.sync(context.getClient(), api,
        DesiredApiServices.of(api, certificates.caCertificatePem()));
    registration.created().forEach(n -> EventRecorder.normal(context.getClient(), api, "Created", "Created APIService " + n));
    registration.updated().forEach(n -> EventRecorder.normal(context.getClient(), api, "Updated",
        "Reverted drift in APIService " + n));
    registration.deleted().forEach(n -> EventRecorder.normal(context.getClient(), api, "Deleted",
        "Deleted APIService " + n + ": its version is no longer served"));

    Conditions.set(status.conditions, Conditions.CERTIFICATE_READY, true, "Valid",
        "serving certificate for " + names.apiserver() + "." + names.namespace() + ".svc valid until "
            + certificates.notAfter(), generation, now);
    status.certificateNotAfter = certificates.notAfter().toString();

    Optional<Deployment> deployment = context.getSecondaryResourcesAsStream(Deployment.class)
        .filter(d -> names.apiserver().equals(d.getMetadata().getName())).findFirst();
    BackendReadiness backend = BackendReadiness.of(api, deployment);
    Conditions.set(status.conditions, Conditions.BACKEND_READY, backend.ready(), backend.reason(), backend.message(),
        generation, now);

    List<String> registered = registration.current().stream().map(s -> s.getMetadata().getName()).sorted().toList();
    Conditions.set(status.conditions, Conditions.API_SERVICES_REGISTERED, true, "Registered",
        "registered " + String.join(", ", registered), generation, now);
    status.apiServices = registration.current().stream()
        .sorted(java.util.Comparator.comparing(s -> s.getMetadata().getName()))
        .map(AggregatedApiReconciler::apiServiceStatus).toList();
    Availability availability = Availability.of(registration.current());
    Conditions.set(status.conditions, Conditions.AVAILABLE, availability.status(), availability.reason(),
        availability.message(), generation, now);

    setReady(status, generation, now);
    return updateIfChanged(api, context, before, status);
  }

  private UpdateControl<AggregatedApi> refuse(AggregatedApi api, Context<AggregatedApi> context,
      AggregatedApiStatus before, AggregatedApiStatus status, SpecProblem problem, Instant now) {
    var previous = Conditions.find(status.conditions, Conditions.READY);
    boolean sameRefusal = previous.isPresent() && problem.reason().equals(previous.get().getReason())
        && problem.message().equals(previous.get().getMessage());
    if (!sameRefusal) {
      EventRecorder.warning(context.getClient(), api, "Refused", problem.message());
    }
    Conditions.set(status.conditions, Conditions.READY, false, problem.reason(), problem.message(),
        api.getMetadata().getGeneration(), now);
    return updateIfChanged(api, context, before, status);
  }

  private static void setReady(AggregatedApiStatus status, Long generation, Instant now) {
    for (String type : List.of(Conditions.CERTIFICATE_READY, Conditions.BACKEND_READY,
        Conditions.API_SERVICES_REGISTERED, Conditions.AVAILABLE)) {
      var condition = Conditions.find(status.conditions, type).orElseThrow();
      if (!"True".equals(condition.getStatus())) {
        Conditions.set(status.conditions, Conditions.READY, false, condition.getReason(),
            type + ": " + condition.getMessage(), generation, now);
        return;
      }
    }
    Conditions.set(status.conditions, Conditions.READY, true, "Ready",
        "certificate, backend and APIServices are in place and the aggregator reaches them", generation, now);
  }

  private CertificateBundle resolveCertificates(AggregatedApi api, ResourceNames names, Context<AggregatedApi> context,
      Instant now) {
    CertificatePolicy policy = api.getSpec().effectiveCertificate();
    List<String> dnsNames = new java.util.ArrayList<>(names.serviceDnsNames());
    List<String> ips = List.of();
    if (api.getSpec().external != null && api.getSpec().external.isLoopback()) {
      // A runtime started locally (make run, the tests) serves the same certificate on loopback.
      dnsNames.add("localhost");
      ips = List.of("127.0.0.1");
    }
    return ServingCertificates.resolve("annex-ca:" + names.namespace() + "/" + names.name(),
        secretData(context, names.caSecret()), secretData(context, names.servingSecret()), dnsNames, ips,
        GoDuration.parse(policy.validity == null ? CertificatePolicy.DEFAULT_VALIDITY : policy.validity),
        GoDuration.parse(policy.renewBefore == null ? CertificatePolicy.DEFAULT_RENEW_BEFORE : policy.renewBefore),
        now);
  }

  /** Decoded data of the named Secret from the informer cache; a value that is not base64 is dropped. */
  private static Map<String, String> secretData(Context<AggregatedApi> context, String name) {
    Map<String, String> data = new HashMap<>();
    context.getSecondaryResourcesAsStream(Secret.class)
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst()
        .map(Secret::getData)
        .ifPresent(d -> d.forEach((k, v) -> {
          try {
            data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
          } catch (IllegalArgumentException e) {
            data.put(k, "");
          }
        }));
    return data;
  }

  private static void recordCertificateEvents(AggregatedApi api, Context<AggregatedApi> context, CertificateBundle b) {
    var client = context.getClient();
    switch (b.ca()) {
      case ISSUED -> EventRecorder.normal(client, api, "CAIssued", "Issued a new certificate authority");
      case RENEWED, REPAIRED -> EventRecorder.normal(client, api, "CARenewed",
          "Replaced the certificate authority (expiring, missing or damaged); the caBundle changes");
      default -> { }
    }
    switch (b.leaf()) {
      case ISSUED -> EventRecorder.normal(client, api, "CertificateIssued", "Issued the serving certificate, valid until " + b.notAfter());
      case RENEWED -> EventRecorder.normal(client, api, "CertificateRenewed",
          "Renewed the serving certificate because " + b.reason() + "; valid until " + b.notAfter());
      case REPAIRED -> EventRecorder.warning(client, api, "CertificateRepaired",
          "Re-issued the serving certificate: the Secret was " + b.reason());
      default -> { }
    }
    if (b.ca().changed() || b.leaf().changed()) {
      log.info("certificate object={}/{} ca={} leaf={} reason=\"{}\" notAfter={}", api.getMetadata().getNamespace(),
          api.getMetadata().getName(), b.ca(), b.leaf(), b.reason(), b.notAfter());
    }
  }

  private static AggregatedApiStatus.ApiServiceStatus apiServiceStatus(APIService service) {
    var available = Availability.available(service).orElse(null);
    return new AggregatedApiStatus.ApiServiceStatus(service.getMetadata().getName(),
        available == null ? null : "True".equals(available.getStatus()),
        available == null ? "Unknown" : available.getReason(),
        available == null ? "the aggregator has not reported yet" : available.getMessage());
  }

  @Override
  public DeleteControl cleanup(AggregatedApi api, Context<AggregatedApi> context) {
    context.managedWorkflowAndDependentResourceContext().cleanupManageWorkflow()
        .throwAggregateExceptionIfErrorsPresent();
    List<String> removed = ApiServiceRegistration.removeAll(context.getClient(), api);
    log.info("cleanup object={}/{} apiServicesRemoved={}", api.getMetadata().getNamespace(),
        api.getMetadata().getName(), removed);
    return DeleteControl.defaultDelete();
  }

  @Override
  public ErrorStatusUpdateControl<AggregatedApi> updateErrorStatus(AggregatedApi api, Context<AggregatedApi> context,
      Exception e) {
    log.warn("reconcile failed object={}/{} error=\"{}\"", api.getMetadata().getNamespace(), api.getMetadata().getName(),
        e.getMessage());
    AggregatedApiStatus status = copy(api.getStatus());
    Conditions.set(status.conditions, Conditions.READY, false, "ReconcileError", String.valueOf(e.getMessage()),
        api.getMetadata().getGeneration(), clock.instant());
    api.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(api);
  }

  /**
   * Writes the status only when it differs, so a reconcile that finds nothing new writes nothing.
   * The write replaces the status whole (server-side apply, or an optimistic-locked PUT of the status
   * where the API server cannot apply) and is cached for the next reconcile: JOSDK's own non-SSA
   * status patch is a JSON patch computed against the informer's copy, which fails while that copy
   * lags behind the last write.
   */
  private static UpdateControl<AggregatedApi> updateIfChanged(AggregatedApi api, Context<AggregatedApi> context,
      AggregatedApiStatus before, AggregatedApiStatus after) {
    if (JSON.valueToTree(before).equals(JSON.valueToTree(after))) {
      return UpdateControl.noUpdate();
    }
    if (context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
      AggregatedApi fresh = new AggregatedApi();
      fresh.setMetadata(new ObjectMetaBuilder().withName(api.getMetadata().getName())
          .withNamespace(api.getMetadata().getNamespace())
          .withResourceVersion(api.getMetadata().getResourceVersion()).build());
      fresh.setStatus(after);
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(api, fresh, context);
    } else {
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(api, context, latest -> {
        latest.setStatus(after);
        return latest;
      });
    }
    return UpdateControl.noUpdate();
  }

  private static AggregatedApiStatus copy(AggregatedApiStatus status) {
    if (status == null) {
      return new AggregatedApiStatus();
    }
    AggregatedApiStatus copy = JSON.convertValue(status, AggregatedApiStatus.class);
    if (copy.conditions == null) {
      copy.conditions = new java.util.ArrayList<>();
    } else {
      copy.conditions = new java.util.ArrayList<>(copy.conditions);
    }
    if (copy.apiServices == null) {
      copy.apiServices = new java.util.ArrayList<>();
    }
    return copy;
  }
}
