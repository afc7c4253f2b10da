package dev.annex.shipping.rbac;

import dev.annex.operator.AggregatedApiReconciler;
import dev.annex.operator.dependents.DeploymentDependent;
import dev.annex.shipping.Repository;
import dev.annex.shipping.rbac.OperatorPermissions.Permission;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checked-in ClusterRole (deploy/ and the CSV) against what the operator's code does: every
 * dependent of the reconciler's workflow and every declared use is granted, nothing else is, and no
 * rule is a wildcard. OperatorRbacIT proves the same role is enough against a real kube-apiserver.
 */
class ClusterRoleMatchesTheCodeTest {
  private final Path root = Repository.root();

  /** (group, resource, resourceName-or-empty, verb), one per grant, as an authorizer would see them. */
  record Grant(String group, String resource, String name, String verb) {
  }

  @Test
  void everyDependentOfTheWorkflowMayBeWatchedAndWritten() throws IOException {
    Set<Grant> granted = grants(checkedInRole().getRules());
    Workflow workflow = AggregatedApiReconciler.class.getAnnotation(Workflow.class);
    assertThat(workflow.dependents()).isNotEmpty();
    List<Permission> fromWorkflow = OperatorPermissions.fromWorkflow();
    assertThat(fromWorkflow).hasSize(workflow.dependents().length);
    for (Permission p : fromWorkflow) {
      for (String verb : List.of("list", "watch", "create", "patch", "update", "delete")) {
        assertThat(granted).as("%s needs %s on %s/%s", p.neededBy(), verb, p.group(), p.resource())
            .contains(new Grant(p.group(), p.resource(), "", verb));
      }
    }
    // Spot checks against names written by hand, so a broken derivation cannot pass unnoticed.
    assertThat(fromWorkflow).extracting(p -> p.group() + "/" + p.resource())
        .contains("/secrets", "/configmaps", "/serviceaccounts", "/services", "apps/deployments",
            "rbac.authorization.k8s.io/clusterrolebindings", "rbac.authorization.k8s.io/rolebindings");
    assertThat(fromWorkflow).anyMatch(p -> p.neededBy().contains(DeploymentDependent.class.getSimpleName()));
  }

  @Test
  void theRoleGrantsExactlyWhatTheCodeNeeds() throws IOException {
    Set<Grant> granted = grants(checkedInRole().getRules());
    Set<Grant> needed = grants(OperatorPermissions.rules(OperatorPermissions.all()));
    assertThat(granted).isEqualTo(needed);
  }

  @Test
  void bindingTheDelegatedAuthRolesNeedsBindOnThoseRolesOnly() throws IOException {
    Set<Grant> granted = grants(checkedInRole().getRules());
    assertThat(granted)
        .contains(new Grant("rbac.authorization.k8s.io", "clusterroles", "system:auth-delegator", "bind"))
        .contains(new Grant("rbac.authorization.k8s.io", "roles", "extension-apiserver-authentication-reader", "bind"))
        .filteredOn(g -> g.verb().equals("bind") || g.verb().equals("escalate")).hasSize(2);
    // Binding by holding the roles' own permissions would need these: the operator must not have them.
    assertThat(granted).noneMatch(g -> g.resource().equals("tokenreviews") || g.resource().equals("subjectaccessreviews"));
  }

  @Test
  void registrationEventsAndThePrimaryResourceAreGranted() throws IOException {
    Set<Grant> granted = grants(checkedInRole().getRules());
    for (String verb : List.of("get", "list", "watch", "create", "update", "patch", "delete")) {
      assertThat(granted).contains(new Grant("apiregistration.k8s.io", "apiservices", "", verb));
      assertThat(granted).contains(new Grant("policy", "poddisruptionbudgets", "", verb));
    }
    assertThat(granted).contains(new Grant("", "events", "", "create"),
        new Grant("annex.dev", "aggregatedapis", "", "watch"),
        new Grant("annex.dev", "aggregatedapis/status", "", "patch"),
        new Grant("annex.dev", "aggregatedapis/finalizers", "", "update"));
    assertThat(granted).noneMatch(g -> g.resource().equals("aggregatedapis") && g.verb().equals("delete"));
  }

  @Test
  void noWildcards() throws IOException {
    for (PolicyRule rule : checkedInRole().getRules()) {
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*");
      assertThat(rule.getVerbs()).doesNotContain("*");
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
    }
  }

  @Test
  void theBundleGrantsAndDeploysWhatDeployDoes() throws IOException {
    ClusterServiceVersion csv = Serialization.unmarshal(
        Files.readString(root.resolve("bundle/manifests/annex-operator.clusterserviceversion.yaml")),
        ClusterServiceVersion.class);
    var install = csv.getSpec().getInstall().getSpec();
    assertThat(install.getClusterPermissions()).hasSize(1);
    assertThat(install.getClusterPermissions().get(0).getServiceAccountName()).isEqualTo("annex-operator");
    assertThat(grants(install.getClusterPermissions().get(0).getRules())).isEqualTo(grants(checkedInRole().getRules()));
    assertThat(install.getPermissions()).isNullOrEmpty();
    Deployment deployment = Serialization.unmarshal(Files.readString(root.resolve("deploy/deployment.yaml")),
        Deployment.class);
    assertThat(install.getDeployments()).hasSize(1);
    assertThat(install.getDeployments().get(0).getSpec()).isEqualTo(deployment.getSpec());
  }

  private ClusterRole checkedInRole() throws IOException {
    return Serialization.unmarshal(Files.readString(root.resolve("deploy/cluster-role.yaml")), ClusterRole.class);
  }

  static Set<Grant> grants(List<PolicyRule> rules) {
    Set<Grant> grants = new HashSet<>();
    for (PolicyRule rule : rules) {
      List<String> names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
          ? List.of("") : new ArrayList<>(rule.getResourceNames());
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String name : names) {
            for (String verb : rule.getVerbs()) {
              grants.add(new Grant(group, resource, name, verb));
            }
          }
        }
      }
    }
    return grants;
  }
}
