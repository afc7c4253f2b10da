package dev.annex.shipping.install;

import dev.annex.shipping.Release;
import dev.annex.shipping.rbac.OperatorPermissions;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpecBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's install objects, built once here for both deploy/ (kubectl apply) and the OLM
 * bundle (whose CSV takes the Deployment spec and the ClusterRole rules from the same methods).
 */
public final class InstallManifests {
  public static final String NAMESPACE = "annex-system";
  public static final String NAME = "annex-operator";
  public static final int METRICS_PORT = 8080;
  /** The image's user; runAsNonRoot needs it numeric. */
  public static final long UID = 65532L;

  private InstallManifests() {
  }

  public static Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", NAME);
    labels.put("app.kubernetes.io/part-of", "annex");
    return labels;
  }

  public static Namespace namespace() {
    return new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).withLabels(labels()).endMetadata().build();
  }

  public static ServiceAccount serviceAccount() {
    return new ServiceAccountBuilder()
        .withNewMetadata().withName(NAME).withNamespace(NAMESPACE).withLabels(labels()).endMetadata()
        .build();
  }

  /** Exactly {@link OperatorPermissions#all()}. */
  public static ClusterRole clusterRole() {
    return new ClusterRoleBuilder()
        .withNewMetadata().withName(NAME).withLabels(labels()).endMetadata()
        .withRules(OperatorPermissions.rules(OperatorPermissions.all()))
        .build();
  }

  public static ClusterRoleBinding clusterRoleBinding() {
    return new ClusterRoleBindingBuilder()
        .withNewMetadata().withName(NAME).withLabels(labels()).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(NAME).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(NAMESPACE).endSubject()
        .build();
  }

  public static Deployment deployment(Release release) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(NAME).withNamespace(NAMESPACE).withLabels(labels()).endMetadata()
        .withSpec(deploymentSpec(release))
        .build();
  }

  /**
   * One replica, replaced (Recreate) rather than rolled: the operator has no leader election, and two
   * at once would both reconcile. Hardened like the runtime pods it creates.
   */
  public static DeploymentSpec deploymentSpec(Release release) {
    return new DeploymentSpecBuilder()
        .withReplicas(1)
        .withNewStrategy().withType("Recreate").endStrategy()
        .withNewSelector().addToMatchLabels("app.kubernetes.io/name", NAME).endSelector()
        .withNewTemplate()
          .withNewMetadata().withLabels(labels()).endMetadata()
          .withNewSpec()
            .withServiceAccountName(NAME)
            .withNewSecurityContext()
              .withRunAsNonRoot(true).withRunAsUser(UID).withRunAsGroup(UID)
              .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
            .endSecurityContext()
            .addNewContainer()
              .withName("operator")
              .withImage(release.operatorImage())
              .withImagePullPolicy("IfNotPresent")
              .addNewEnv().withName("ANNEX_METRICS_PORT").withValue(String.valueOf(METRICS_PORT)).endEnv()
              .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").endPort()
              // /healthz answers once the informers have synced, which on a busy cluster can take longer
              // than liveness allows (3 x 10 s): a startup probe gives the first start 4 minutes
              .withStartupProbe(new ProbeBuilder()
                  .withNewHttpGet().withPath("/healthz").withPort(new IntOrString("metrics")).endHttpGet()
                  .withPeriodSeconds(5).withTimeoutSeconds(5).withFailureThreshold(48)
                  .build())
              .withLivenessProbe(healthz(3))
              .withReadinessProbe(healthz(1))
              .withNewResources()
                .addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("256Mi"))
                .addToLimits("memory", new Quantity("512Mi"))
              .endResources()
              .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
              .endSecurityContext()
            .endContainer()
          .endSpec()
        .endTemplate()
        .build();
  }

  private static Probe healthz(int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath("/healthz").withPort(new IntOrString("metrics")).endHttpGet()
        .withPeriodSeconds(10).withTimeoutSeconds(5).withFailureThreshold(failureThreshold)
        .build();
  }
}
