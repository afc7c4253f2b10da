package dev.annex.shipping.rbac;

import dev.annex.operator.AggregatedApiReconciler;
import dev.annex.operator.ResourceNames;
import dev.annex.operator.api.AggregatedApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the operator does to the API, as RBAC: one {@link Permission} per (group, resource, names),
 * each saying which code needs it. The dependents' rules are read from the reconciler's own
 * {@link Workflow}, so a dependent added there changes the ClusterRole (and the checked-in deploy/ and
 * bundle/ go stale until regenerated); what the operator does outside the workflow is declared here,
 * next to the reason.
 */
public final class OperatorPermissions {
  /** What a JOSDK CRUD dependent does: an informer (list, watch), server-side apply (create, patch), delete. */
  public static final List<String> DEPENDENT_VERBS =
      List.of("create", "delete", "get", "list", "patch", "update", "watch");
  public static final String AUTH_DELEGATOR_CLUSTER_ROLE = "system:auth-delegator";
  public static final String AUTH_READER_ROLE = "extension-apiserver-authentication-reader";

  /** One RBAC grant and the code that needs it. */
  public record Permission(String group, String resource, List<String> resourceNames, List<String> verbs,
      String neededBy) {
    public Permission {
      resourceNames = List.copyOf(resourceNames);
      verbs = List.copyOf(new TreeSet<>(verbs));
    }

    String key() {
      return group + "/" + resource + "/" + String.join(",", resourceNames);
    }
  }

  private OperatorPermissions() {
  }

  /** Every permission, the workflow's first (in its order), then the declared ones. */
  public static List<Permission> all() {
    List<Permission> all = new ArrayList<>(fromWorkflow());
    all.addAll(declared());
    return all;
  }

  /** One permission per dependent of {@link AggregatedApiReconciler}'s workflow, for its resource type. */
  public static List<Permission> fromWorkflow() {
    Workflow workflow = AggregatedApiReconciler.class.getAnnotation(Workflow.class);
    List<Permission> permissions = new ArrayList<>();
    for (Dependent dependent : workflow.dependents()) {
      Class<? extends HasMetadata> type = resourceType(dependent.type());
      permissions.add(new Permission(HasMetadata.getGroup(type), HasMetadata.getPlural(type), List.of(), DEPENDENT_VERBS,
          "dependent " + dependent.type().getSimpleName() + " (" + dependent.name() + ")"));
    }
    return permissions;
  }

  /** What the operator does outside the workflow: the primary resource, registration, Events, binding roles. */
  public static List<Permission> declared() {
    String group = HasMetadata.getGroup(AggregatedApi.class);
    String plural = HasMetadata.getPlural(AggregatedApi.class);
    return List.of(
        new Permission(group, plural, List.of(), List.of("get", "list", "watch", "patch", "update"),
            "AggregatedApiReconciler: the primary informer, its finalizer added and removed by patch"),
        new Permission(group, plural + "/status", List.of(), List.of("get", "patch", "update"),
            "AggregatedApiReconciler: UpdateControl.patchStatus"),
        new Permission(group, plural + "/finalizers", List.of(), List.of("update"),
            "owner references on the owned objects, where OwnerReferencesPermissionEnforcement checks blockOwnerDeletion"),
        new Permission("apiregistration.k8s.io", "apiservices", List.of(), DEPENDENT_VERBS,
            "registration: the APIService informer (re-triggers on Available changes) and the controller that "
                + "creates, reverts (update, patch) and deletes them"),
        new Permission("", "events", List.of(), List.of("create"),
            "EventRecorder: Events on the AggregatedApi"),
        new Permission("policy", "poddisruptionbudgets", List.of(), DEPENDENT_VERBS,
            "the runtime's PodDisruptionBudget dependent"),
        // Creating a binding needs either every permission of the role bound or `bind` on it; bind is the
        // narrow one: the operator itself never reviews tokens nor reads kube-system's ConfigMaps.
        new Permission("rbac.authorization.k8s.io", "clusterroles", List.of(AUTH_DELEGATOR_CLUSTER_ROLE),
            List.of("bind"), "AuthDelegatorBindingDependent binds the runtime's ServiceAccount to "
                + AUTH_DELEGATOR_CLUSTER_ROLE),
        new Permission("rbac.authorization.k8s.io", "roles", List.of(AUTH_READER_ROLE), List.of("bind"),
            "AuthReaderBindingDependent binds it to " + AUTH_READER_ROLE + " in " + ResourceNames.KUBE_SYSTEM));
  }

  /**
   * The ClusterRole's rules: permissions on the same (group, resource, names) merged, then one rule per
   * (group, names, verbs), resources sorted, so the YAML is stable and reads like a hand-written one.
   */
  public static List<PolicyRule> rules(List<Permission> permissions) {
    Map<String, Permission> merged = new TreeMap<>();
    for (Permission p : permissions) {
      merged.merge(p.key(), p, (a, b) -> {
        List<String> verbs = new ArrayList<>(a.verbs());
        verbs.addAll(b.verbs());
        return new Permission(a.group(), a.resource(), a.resourceNames(), verbs, a.neededBy() + "; " + b.neededBy());
      });
    }
    Map<String, TreeSet<String>> resourcesByRule = new TreeMap<>();
    Map<String, Permission> sample = new TreeMap<>();
    for (Permission p : merged.values()) {
      String rule = p.group() + "|" + String.join(",", p.resourceNames()) + "|" + String.join(",", p.verbs());
      resourcesByRule.computeIfAbsent(rule, k -> new TreeSet<>()).add(p.resource());
      sample.putIfAbsent(rule, p);
    }
    List<PolicyRule> rules = new ArrayList<>();
    resourcesByRule.forEach((rule, resources) -> {
      Permission p = sample.get(rule);
      var builder = new PolicyRuleBuilder().withApiGroups(p.group()).withResources(List.copyOf(resources))
          .withVerbs(p.verbs());
      if (!p.resourceNames().isEmpty()) {
        builder.withResourceNames(p.resourceNames());
      }
      rules.add(builder.build());
    });
    rules.sort(Comparator.comparing((PolicyRule r) -> r.getApiGroups().get(0))
        .thenComparing(r -> r.getResources().get(0)));
    return rules;
  }

  /** The resource type a dependent manages, asked from the dependent itself (as JOSDK does). */
  @SuppressWarnings("unchecked")
  private static Class<? extends HasMetadata> resourceType(Class<? extends DependentResource> type) {
    try {
      DependentResource<?, ?> dependent = type.getDeclaredConstructor().newInstance();
      return (Class<? extends HasMetadata>) dependent.resourceType();
    } catch (InstantiationException | IllegalAccessException | NoSuchMethodException e) {
      throw new IllegalStateException("cannot create dependent " + type.getName(), e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("dependent " + type.getName() + " failed to construct", e.getCause());
    }
  }
}
