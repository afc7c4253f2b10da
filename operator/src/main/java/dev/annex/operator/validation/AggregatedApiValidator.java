package dev.annex.operator.validation;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.AggregatedApiSpec;
import dev.annex.operator.api.ApiResource;
import dev.annex.operator.api.ApiVersion;
import dev.annex.operator.api.Storage;
import dev.annex.operator.certificates.GoDuration;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses specs that would make a broken or conflicting API server. Also repeats the schema's own
 * checks that matter most, so an object admitted without the CRD's validation is still refused.
 */
public final class AggregatedApiValidator {

  /** Groups the kube-apiserver serves itself; an APIService for them would shadow Kubernetes. */
  static final Set<String> BUILT_IN_GROUPS = Set.of("", "apps", "batch", "autoscaling", "policy", "extensions",
      "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
      "authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io", "coordination.k8s.io",
      "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io",
      "networking.k8s.io", "node.k8s.io", "rbac.authorization.k8s.io", "resource.k8s.io",
      "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io", AggregatedApi.GROUP);

  private static final Pattern GROUP = Pattern.compile(AggregatedApiSpec.GROUP_PATTERN);
  private static final Pattern VERSION = Pattern.compile(ApiVersion.NAME_PATTERN);
  private static final Pattern KIND = Pattern.compile(ApiResource.KIND_PATTERN);
  private static final Pattern LOWER_NAME = Pattern.compile(ApiResource.LOWER_NAME_PATTERN);

  private AggregatedApiValidator() {
  }

  /**
   * @param others every other {@code AggregatedApi} the operator knows, to find a group served twice;
   *     the one created first keeps the group
   */
  public static Optional<SpecProblem> validate(AggregatedApi api, Collection<AggregatedApi> others) {
    AggregatedApiSpec spec = api.getSpec();
    if (spec == null) {
      return problem("MissingSpec", "spec is required");
    }
    return group(spec)
        .or(() -> groupConflict(api, others))
        .or(() -> versions(spec.versions))
        .or(() -> resources(spec.resources))
        .or(() -> storage(spec))
        .or(() -> certificate(spec));
  }

  private static Optional<SpecProblem> group(AggregatedApiSpec spec) {
    String group = spec.group == null ? "" : spec.group;
    if (BUILT_IN_GROUPS.contains(group)) {
      return problem("ReservedGroup", "spec.group '" + group
          + "' is served by Kubernetes itself; choose a group of your own, such as wardle.example.com");
    }
    if (!GROUP.matcher(group).matches()) {
      return problem("InvalidGroup", "spec.group '" + group
          + "' must be a lower-case DNS subdomain with at least one dot, such as wardle.example.com");
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> groupConflict(AggregatedApi api, Collection<AggregatedApi> others) {
    Comparator<AggregatedApi> firstCreated = Comparator
        .comparing((AggregatedApi a) -> String.valueOf(a.getMetadata().getCreationTimestamp()))
        .thenComparing(a -> a.getMetadata().getNamespace())
        .thenComparing(a -> a.getMetadata().getName());
    return others.stream()
        .filter(o -> !sameObject(o, api))
        .filter(o -> o.getSpec() != null && api.getSpec().group.equals(o.getSpec().group))
        .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
        .filter(o -> firstCreated.compare(o, api) < 0)
        .findFirst()
        .map(o -> new SpecProblem("GroupConflict", "spec.group '" + api.getSpec().group
            + "' is already served by AggregatedApi " + o.getMetadata().getNamespace() + "/"
            + o.getMetadata().getName() + "; choose another group or delete that one"));
  }

  private static boolean sameObject(AggregatedApi a, AggregatedApi b) {
    return a.getMetadata().getNamespace().equals(b.getMetadata().getNamespace())
        && a.getMetadata().getName().equals(b.getMetadata().getName());
  }

  private static Optional<SpecProblem> versions(List<ApiVersion> versions) {
    if (versions == null || versions.isEmpty()) {
      return problem("InvalidVersions", "spec.versions: list at least one version, such as v1alpha1");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < versions.size(); i++) {
      String name = versions.get(i).name == null ? "" : versions.get(i).name;
      if (!VERSION.matcher(name).matches()) {
        return problem("InvalidVersions", "spec.versions[" + i + "].name '" + name
            + "' is not a Kubernetes version name such as v1, v1beta1 or v2alpha3");
      }
      if (!seen.add(name)) {
        return problem("InvalidVersions", "spec.versions: version " + name + " is listed twice; list it once");
      }
    }
    long storage = versions.stream().filter(ApiVersion::isStorageVersion).count();
    if (storage != 1) {
      return problem("InvalidVersions", "spec.versions: exactly one version needs storage: true, found " + storage);
    }
    if (versions.stream().noneMatch(ApiVersion::isServedVersion)) {
      return problem("InvalidVersions", "spec.versions: serve at least one version (served: true)");
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> resources(List<ApiResource> resources) {
    if (resources == null || resources.isEmpty()) {
      return problem("InvalidResources", "spec.resources: list at least one resource");
    }
    Set<String> kinds = new HashSet<>();
    Set<String> plurals = new HashSet<>();
    for (int i = 0; i < resources.size(); i++) {
      ApiResource r = resources.get(i);
      String at = "spec.resources[" + i + "]";
      String kind = r.kind == null ? "" : r.kind;
      String plural = r.plural == null ? "" : r.plural;
      if (!KIND.matcher(kind).matches()) {
        return problem("InvalidKind", at + ".kind '" + kind + "' must be CamelCase, such as Flunder");
      }
      if (!kinds.add(kind)) {
        return problem("DuplicateKind", at + ".kind: " + kind + " is listed twice; each kind may appear once");
      }
      if (!LOWER_NAME.matcher(plural).matches()) {
        return problem("InvalidPlural", at + ".plural '" + plural
            + "' must be a lower-case DNS label, such as " + kind.toLowerCase() + "s");
      }
      if (!plurals.add(plural)) {
        return problem("DuplicatePlural", at + ".plural: " + plural + " is listed twice; each plural may appear once");
      }
      if (r.singular != null && !LOWER_NAME.matcher(r.singular).matches()) {
        return problem("InvalidSingular", at + ".singular '" + r.singular + "' must be a lower-case DNS label");
      }
      Optional<String> violation = StructuralSchema.firstViolation(r.schema == null ? null : r.schema.openAPIV3Schema);
      if (violation.isPresent()) {
        return problem("NonStructuralSchema", at + ".schema." + violation.get());
      }
      Optional<String> rule = StructuralSchema.firstValidationRule(r.schema.openAPIV3Schema, "openAPIV3Schema");
      if (rule.isPresent()) {
        return problem("UnsupportedValidationRules", at + ".schema." + rule.get()
            + ": CEL validation rules are not supported by the Annex apiserver runtime; remove them"
            + " (use enum, pattern, minimum/maximum or required instead)");
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> storage(AggregatedApiSpec spec) {
    if (spec.effectiveReplicas() > 1 && spec.storageType() != Storage.Type.Etcd && spec.external == null) {
      return problem("ReplicasNeedEtcd", "spec.replicas is " + spec.replicas
          + " but Memory storage keeps objects per replica; set storage.type: Etcd or replicas: 1");
    }
    if (spec.storageType() == Storage.Type.Etcd
        && (spec.storage.etcd == null || spec.storage.etcd.servers == null || spec.storage.etcd.servers.isEmpty())) {
      return problem("InvalidStorage", "spec.storage.etcd.servers: list the etcd endpoints for storage.type Etcd");
    }
    if (spec.external != null && (spec.external.host == null || spec.external.host.isBlank())) {
      return problem("InvalidExternal", "spec.external.host: name the host the runtime runs on");
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> certificate(AggregatedApiSpec spec) {
    var policy = spec.effectiveCertificate();
    try {
      var validity = GoDuration.parse(policy.validity == null ? "8760h" : policy.validity);
      var renewBefore = GoDuration.parse(policy.renewBefore == null ? "720h" : policy.renewBefore);
      if (renewBefore.compareTo(validity) >= 0) {
        return problem("InvalidCertificatePolicy", "spec.certificate.renewBefore (" + policy.renewBefore
            + ") must be shorter than validity (" + policy.validity + ")");
      }
    } catch (IllegalArgumentException e) {
      return problem("InvalidCertificatePolicy", "spec.certificate: " + e.getMessage() + "; use Go durations such as 8760h");
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> problem(String reason, String message) {
    return Optional.of(new SpecProblem(reason, message));
  }
}
