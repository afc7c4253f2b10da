package dev.annex.shipping.rbac;

import dev.annex.operator.AnnexOperator;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.metrics.ReconcileMetrics;
import dev.annex.shipping.Repository;
import dev.annex.shipping.ShippedFiles;
import dev.annex.shipping.install.InstallManifests;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ControlPlaneExtension;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * deploy/'s RBAC against the real kube-apiserver (RBAC authorizer, escalation checks): the operator,
 * authenticated as deploy/'s ServiceAccount and holding nothing but deploy/'s ClusterRole, creates
 * everything for examples/wardle.yaml, registers its APIServices, records Events and cleans up on
 * deletion. Without the `bind` rules the same run fails, so the test can tell a role that is short.
 */
@ExtendWith(ControlPlaneExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OperatorRbacIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Path ROOT = Repository.root();

  @BeforeAll
  static void install(KubernetesClient admin) throws IOException {
    List<HasMetadata> objects;
    try (InputStream in = Files.newInputStream(ROOT.resolve(ShippedFiles.DEPLOY + "/annex.yaml"))) {
      objects = admin.load(in).items();
    }
    assertThat(objects).extracting(HasMetadata::getKind).containsExactly("CustomResourceDefinition", "Namespace",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment");
    for (HasMetadata object : objects) {
      if (object instanceof Deployment) {
        // No node runs the operator's pod here: the server validates and admits it, and stores nothing.
        admin.resource(object).dryRun().create();
      } else {
        admin.resource(object).serverSideApply();
      }
    }
    await().atMost(WAIT).until(() -> established(admin.apiextensions().v1().customResourceDefinitions()
        .withName("aggregatedapis.annex.dev").get()));
    // Every example is a valid object for the CRD just installed (server-side dry-run, then nothing stored).
    for (String example : ShippedFiles.examples(ROOT)) {
      AggregatedApi api = admin.getKubernetesSerialization().unmarshal(example, AggregatedApi.class);
      ensureNamespace(admin, api.getMetadata().getNamespace());
      admin.resource(api).dryRun().create();
    }
  }

  @Test
  void deploysRoleIsEnoughToServeWardleAndCleanUp(ControlPlane plane, KubernetesClient admin) throws IOException {
    AggregatedApi wardle = admin.getKubernetesSerialization().unmarshal(
        Files.readString(ROOT.resolve("examples/wardle.yaml")), AggregatedApi.class);
    String ns = wardle.getMetadata().getNamespace();
    try (KubernetesClient asOperator = clientFor(plane, InstallManifests.NAMESPACE, InstallManifests.NAME)) {
      // The operator's identity is not an admin: it cannot read what its role does not grant.
      assertThatThrownBy(() -> asOperator.nodes().list())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      Operator operator = AnnexOperator.create(asOperator, new ReconcileMetrics(), AnnexOperator.Settings.production());
      operator.start();
      try {
        ensureNamespace(admin, ns);
        admin.resource(wardle).create();
        await().atMost(WAIT).untilAsserted(() -> {
          AggregatedApi current = admin.resources(AggregatedApi.class).inNamespace(ns).withName("wardle").get();
          assertThat(condition(current, "CertificateReady")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
          assertThat(condition(current, "APIServicesRegistered"))
              .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
          // No node runs the runtime here, so the backend is not ready; but no request was refused.
          assertThat(condition(current, "Ready")).hasValueSatisfying(c ->
              assertThat(c.getReason()).isNotEqualTo("ReconcileError"));
        });
        assertThat(admin.secrets().inNamespace(ns).withName("wardle-ca").get()).isNotNull();
        assertThat(admin.secrets().inNamespace(ns).withName("wardle-apiserver-tls").get()).isNotNull();
        assertThat(admin.resources(ConfigMap.class).inNamespace(ns).withName("wardle-apiserver-definition").get()).isNotNull();
        assertThat(admin.resources(ServiceAccount.class).inNamespace(ns).withName("wardle-apiserver").get()).isNotNull();
        assertThat(admin.resources(Deployment.class).inNamespace(ns).withName("wardle-apiserver").get()).isNotNull();
        assertThat(admin.resources(Service.class).inNamespace(ns).withName("wardle-apiserver").get()).isNotNull();
        assertThat(admin.resources(ClusterRoleBinding.class).withName("annex:wardle:wardle:auth-delegator").get()).isNotNull();
        assertThat(admin.resources(RoleBinding.class).inNamespace("kube-system").withName("annex:wardle:wardle:auth-reader")
            .get()).isNotNull();
        assertThat(admin.resources(APIService.class).withName("v1alpha1.wardle.example.com").get()).isNotNull();
        assertThat(admin.resources(APIService.class).withName("v1beta1.wardle.example.com").get()).isNotNull();
        assertThat(admin.resources(Event.class).inNamespace(ns).list().getItems())
            .anyMatch(e -> "annex-operator".equals(e.getSource().getComponent()) && "Created".equals(e.getReason()));

        admin.resource(wardle).delete();
        await().atMost(WAIT).untilAsserted(() -> {
          assertThat(admin.resources(AggregatedApi.class).inNamespace(ns).withName("wardle").get()).isNull();
          assertThat(admin.resources(ClusterRoleBinding.class).withName("annex:wardle:wardle:auth-delegator").get()).isNull();
          assertThat(admin.resources(RoleBinding.class).inNamespace("kube-system")
              .withName("annex:wardle:wardle:auth-reader").get()).isNull();
          assertThat(admin.resources(APIService.class).withName("v1alpha1.wardle.example.com").get()).isNull();
          assertThat(admin.resources(APIService.class).withName("v1beta1.wardle.example.com").get()).isNull();
        });
      } finally {
        operator.stop();
      }
    }
  }

  @Test
  void withoutBindTheOperatorCannotGrantDelegatedAuth(ControlPlane plane, KubernetesClient admin) throws IOException {
    String name = "annex-operator-without-bind";
    ClusterRole deployed = admin.resources(ClusterRole.class).withName(InstallManifests.NAME).get();
    admin.resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
        .withRules(deployed.getRules().stream().filter(r -> !r.getVerbs().contains("bind")).toList()).build())
        .serverSideApply();
    admin.resource(new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(InstallManifests.NAMESPACE)
        .endMetadata().build()).serverSideApply();
    admin.resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(name).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(InstallManifests.NAMESPACE).endSubject()
        .build()).serverSideApply();

    AggregatedApi api = admin.getKubernetesSerialization().unmarshal(
        Files.readString(ROOT.resolve("examples/wardle.yaml")), AggregatedApi.class);
    api.getMetadata().setName("unbound");
    api.getMetadata().setNamespace("unbound");
    api.getSpec().group = "unbound.example.com";
    try (KubernetesClient asOperator = clientFor(plane, InstallManifests.NAMESPACE, name)) {
      Operator operator = AnnexOperator.create(asOperator, new ReconcileMetrics(), AnnexOperator.Settings.production());
      operator.start();
      try {
        ensureNamespace(admin, "unbound");
        admin.resource(api).create();
        await().atMost(WAIT).untilAsserted(() -> {
          AggregatedApi current = admin.resources(AggregatedApi.class).inNamespace("unbound").withName("unbound").get();
          assertThat(condition(current, "Ready")).hasValueSatisfying(c -> {
            assertThat(c.getReason()).isEqualTo("ReconcileError");
            assertThat(c.getMessage()).containsIgnoringCase("forbidden");
          });
        });
        assertThat(admin.resources(ClusterRoleBinding.class).withName("annex:unbound:unbound:auth-delegator").get()).isNull();
      } finally {
        operator.stop();
        // Its finalizer stays (the operator that set it is gone): removed by hand so nothing is left behind.
        var unbound = admin.resources(AggregatedApi.class).inNamespace("unbound").withName("unbound");
        unbound.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        unbound.delete();
        await().atMost(WAIT).until(() -> unbound.get() == null);
      }
    }
  }

  private static KubernetesClient clientFor(ControlPlane plane, String namespace, String serviceAccount)
      throws IOException {
    Path kubeconfig = plane.kubeconfigFor("system:serviceaccount:" + namespace + ":" + serviceAccount,
        "system:serviceaccounts", "system:serviceaccounts:" + namespace);
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
  }

  private static Optional<Condition> condition(AggregatedApi api, String type) {
    if (api == null || api.getStatus() == null || api.getStatus().conditions == null) {
      return Optional.empty();
    }
    return api.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
        .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static void ensureNamespace(KubernetesClient admin, String name) {
    admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
  }
}
