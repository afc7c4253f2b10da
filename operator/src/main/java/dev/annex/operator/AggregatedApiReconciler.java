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
import dev.annex.operator.registration.AutoRegistrationController;
import dev.annex.operator.registration.DesiredApiServices;
import dev.annex.operator.registration.DiscoveryProbe;
import dev.annex.operator.registration.RegistrationEventSource;
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
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Validates the spec, resolves the certificates, runs the workflow of owned objects, hands the
 * APIServices it wants to the {@link AutoRegistrationController} (which writes them) and writes the
 * status from what that controller and the aggregator report. The workflow is invoked explicitly so
 * that a refused spec changes nothing in the cluster.
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

  /** How the operator's own probe reaches a backend: the Service address, or skipped (outside the cluster). */
  public enum ServiceNetwork { REACHABLE, UNREACHABLE }

  private final Clock clock;
  private final AutoRegistrationController registrations;
  private final DiscoveryProbe probe;
  private final ServiceNetwork serviceNetwork;
  private final Duration verdictWait;

  public AggregatedApiReconciler(Clock clock, AutoRegistrationController registrations, DiscoveryProbe probe,
      ServiceNetwork serviceNetwork, Duration verdictWait) {
    this.clock = clock;
    this.registrations = registrations;
    this.probe = probe;
    this.serviceNetwork = serviceNetwork;
    this.verdictWait = verdictWait;
  }

  @Override
  public List<EventSource<?, AggregatedApi>> prepareEventSources(EventSourceContext<AggregatedApi> context) {
    // The registration controller's informer on APIServices is the only one: a change to an
    // APIService (or its Available condition), a conflict found or a probe verdict re-triggers its owner.
    RegistrationEventSource registration = new RegistrationEventSource(registrations);
    SimpleInboundEventSource<AggregatedApi> probes = new SimpleInboundEventSource<>("discovery-probe") {
      @Override
      public void stop() {
        super.stop();
        probe.close();
      }
    };
    probe.onChange(probes::propagateEvent);
    registrations.onEvent((owner, type, reason, message) -> EventRecorder.record(context.getClient(),
        owner.getNamespace().orElse(""), owner.getName(), type, reason, message));
    return List.of(registration, probes);
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

    ResourceID owner = ResourceID.fromResource(api);
    List<APIService> desired = DesiredApiServices.of(api, certificates.caCertificatePem());
    registrations.setOwner(owner, desired);
    AutoRegistrationController.Registration registration = registrations.registration(owner);

    Conditions.set(status.conditions, Conditions.CERTIFICATE_READY, true, "Valid",
        "serving certificate for " + names.apiserver() + "." + names.namespace() + ".svc valid until "
            + certificates.notAfter(), generation, now);
    status.certificateNotAfter = certificates.notAfter().toString();

    Optional<Deployment> deployment = context.getSecondaryResourcesAsStream(Deployment.class)
        .filter(d -> names.apiserver().equals(d.getMetadata().getName())).findFirst();
    BackendReadiness backend = BackendReadiness.of(api, deployment);
    Conditions.set(status.conditions, Conditions.BACKEND_READY, backend.ready(), backend.reason(), backend.message(),
        generation, now);

    setRegistered(status, registration, generation, now);
    List<String> wanted = desired.stream().map(d -> d.getMetadata().getName()).toList();
    Map<String, APIService> current = registration.current().stream()
        .collect(Collectors.toMap(d -> d.getMetadata().getName(), Function.identity()));
    status.apiServices = wanted.stream().sorted()
        .map(n -> apiServiceStatus(n, current.get(n), registration.conflicts().get(n), now)).toList();
    Availability availability = Availability.of(wanted, current, now, verdictWait);
    Conditions.set(status.conditions, Conditions.AVAILABLE, availability.status(), availability.reason(),
        availability.message(), generation, now);
    setBackendReachable(api, owner, certificates.caCertificatePem(), status, generation, now);

    setReady(status, generation, now);
    recordFlips(api, context, before, status);
    UpdateControl<AggregatedApi> control = updateIfChanged(api, context, before, status);
    // While the aggregator's first verdict is awaited, look again when the wait ends.
    return availability.recheckIn() == null ? control : control.rescheduleAfter(availability.recheckIn().plusSeconds(1));
  }

  private static void setRegistered(AggregatedApiStatus status, AutoRegistrationController.Registration registration,
      Long generation, Instant now) {
    if (!registration.conflicts().isEmpty()) {
      Conditions.set(status.conditions, Conditions.API_SERVICES_REGISTERED, false, "Conflict",
          String.join("; ", registration.conflicts().values()), generation, now);
    } else if (!registration.failures().isEmpty()) {
      Conditions.set(status.conditions, Conditions.API_SERVICES_REGISTERED, false, "RegistrationFailed",
          registration.failures().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
              .collect(Collectors.joining("; ")) + " (retrying with backoff)", generation, now);
    } else if (!registration.pending().isEmpty()) {
      Conditions.set(status.conditions, Conditions.API_SERVICES_REGISTERED, false, "Registering",
          "creating or reverting " + String.join(", ", registration.pending()), generation, now);
    } else {
      Conditions.set(status.conditions, Conditions.API_SERVICES_REGISTERED, true, "Registered",
          "registered " + registration.current().stream().map(s -> s.getMetadata().getName())
              .collect(Collectors.joining(", ")), generation, now);
    }
  }

  /**
   * The operator's own discovery GET, apart from the aggregator's verdict, so that "the server is
   * down" can be told from "the aggregator cannot reach it". A pod's Service address is only dialled
   * when the operator can reach Service addresses; an external backend is dialled at host:port, its
   * certificate still verified for the Service's name, as the aggregator does.
   */
  private void setBackendReachable(AggregatedApi api, ResourceID owner, String caPem,
      AggregatedApiStatus status, Long generation, Instant now) {
    ResourceNames resourceNames = ResourceNames.of(api);
    String serviceName = resourceNames.apiserver() + "." + resourceNames.namespace() + ".svc";
    var external = api.getSpec().external;
    if (external == null && serviceNetwork == ServiceNetwork.UNREACHABLE) {
      probe.forget(owner);
      Conditions.set(status.conditions, Conditions.BACKEND_REACHABLE, "Unknown", "ProbeSkipped",
          "the operator runs where Service addresses cannot be reached (outside the cluster), so it does not probe "
              + serviceName + "; set ANNEX_SERVICE_NETWORK=reachable where it can", generation, now);
      return;
    }
    List<String> paths = api.getSpec().versions.stream().filter(dev.annex.operator.api.ApiVersion::isServedVersion)
        .map(v -> "/apis/" + api.getSpec().group + "/" + v.name).toList();
    var target = new DiscoveryProbe.Target(external == null ? serviceName : external.host,
        external == null ? dev.annex.operator.dependents.ServiceDependent.PORT : external.effectivePort(),
        serviceName, caPem, paths);
    probe.verdict(owner, target).ifPresentOrElse(
        v -> Conditions.set(status.conditions, Conditions.BACKEND_REACHABLE, v.status(), v.reason(), v.message(),
            generation, now),
        () -> {
          // No verdict for this target yet: keep the last one rather than flapping through Unknown.
          if (Conditions.find(status.conditions, Conditions.BACKEND_REACHABLE).isEmpty()) {
            Conditions.set(status.conditions, Conditions.BACKEND_REACHABLE, "Unknown", "Probing",
                "probing " + String.join(", ", paths) + " on " + target.host() + ":" + target.port(), generation, now);
          }
        });
  }

  /** An Event for every condition whose status flipped, with the condition's new reason. */
  private static void recordFlips(AggregatedApi api, Context<AggregatedApi> context, AggregatedApiStatus before,
      AggregatedApiStatus after) {
    for (String type : List.of(Conditions.API_SERVICES_REGISTERED, Conditions.AVAILABLE, Conditions.BACKEND_REACHABLE)) {
      var was = Conditions.find(before.conditions, type);
      var now = Conditions.find(after.conditions, type).orElseThrow();
      // A first condition is news only when it says False for a reason other than "still working on it".
      boolean news = was.isPresent() ? !was.get().getStatus().equals(now.getStatus())
          : "False".equals(now.getStatus()) && !"Registering".equals(now.getReason());
      if (!news) {
        continue;
      }
      String message = type + " is " + now.getStatus() + ": " + now.getMessage();
      if ("True".equals(now.getStatus())) {
        EventRecorder.normal(context.getClient(), api, now.getReason(), message);
      } else {
        EventRecorder.warning(context.getClient(), api, now.getReason(), message);
      }
    }
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

  private AggregatedApiStatus.ApiServiceStatus apiServiceStatus(String name, APIService service, String conflict,
      Instant now) {
    if (conflict != null) {
      return new AggregatedApiStatus.ApiServiceStatus(name, null, "Conflict", conflict);
    }
    Availability one = Availability.of(name, service, now, verdictWait);
    String message = one.message().substring(name.length() + 2);
    return new AggregatedApiStatus.ApiServiceStatus(name,
        "Unknown".equals(one.status()) ? null : "True".equals(one.status()), one.reason(), message);
  }

  @Override
  public DeleteControl cleanup(AggregatedApi api, Context<AggregatedApi> context) {
    context.managedWorkflowAndDependentResourceContext().cleanupManageWorkflow()
        .throwAggregateExceptionIfErrorsPresent();
    ResourceID owner = ResourceID.fromResource(api);
    registrations.removeOwner(owner);
    probe.forget(owner);
    if (registrations.holdsAny(owner)) {
      // The finalizer stays until the registration controller has deleted every APIService of the owner.
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(1000);
    }
    log.info("cleanup object={}/{} apiServicesRemoved=true", api.getMetadata().getNamespace(),
        api.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  @Override
  public ErrorStatusUpdateControl<AggregatedApi> updateErrorStatus(AggregatedApi api, Context<AggregatedApi> context,
      Exception e) {
    if (interrupted(e)) {
      // The operator is stopping: an interruption says nothing about the object, and writing it as
      // Ready=False would make the next operator instance write the status back for nothing.
      log.info("reconcile interrupted object={}/{}", api.getMetadata().getNamespace(), api.getMetadata().getName());
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    log.warn("reconcile failed object={}/{} error=\"{}\"", api.getMetadata().getNamespace(), api.getMetadata().getName(),
        e.getMessage());
    AggregatedApiStatus before = copy(api.getStatus());
    AggregatedApiStatus status = copy(api.getStatus());
    Conditions.set(status.conditions, Conditions.READY, false, "ReconcileError", String.valueOf(e.getMessage()),
        api.getMetadata().getGeneration(), clock.instant());
    try {
      updateIfChanged(api, context, before, status);
    } catch (RuntimeException statusError) {
      log.warn("error status not written object={}/{} error=\"{}\"", api.getMetadata().getNamespace(),
          api.getMetadata().getName(), statusError.getMessage());
    }
    return ErrorStatusUpdateControl.defaultErrorProcessing();
  }

  private static boolean interrupted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return Thread.currentThread().isInterrupted();
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
