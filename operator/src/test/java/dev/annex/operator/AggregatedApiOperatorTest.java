package dev.annex.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.ApiVersion;
import dev.annex.operator.api.CertificatePolicy;
import dev.annex.operator.api.External;
import dev.annex.operator.certificates.Pem;
import dev.annex.operator.certificates.ServingCertificate;
import dev.annex.operator.dependents.DeploymentDependent;
import dev.annex.operator.metrics.ReconcileMetrics;
import dev.annex.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole operator against fabric8's mock API server in CRUD mode. The mock cannot apply
 * (server-side apply), so only here the operator runs with SSA off; it has no garbage collector, so
 * deletion checks owner references for namespaced objects and absence for the rest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AggregatedApiOperatorTest {
  private static final String NS = "wardle";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
      new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private KubernetesMockServer server;
  private KubernetesClient client;
  private Operator operator;
  private final MutableClock clock = new MutableClock();
  private final ReconcileMetrics metrics = new ReconcileMetrics();

  @BeforeEach
  void startOperator() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init();
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(AggregatedApi.class));
    client = server.createClient();
    // Periodic reconciles every second: renewal and "nothing changed" need reconciles without edits.
    operator = AnnexOperator.create(client, metrics, new AnnexOperator.Settings(clock, false, Duration.ofSeconds(1),
        AggregatedApiReconciler.ServiceNetwork.UNREACHABLE, Duration.ofSeconds(3), Duration.ofSeconds(1)));
    operator.start();
  }

  @AfterEach
  void stopOperator() {
    operator.stop();
    client.close();
    server.destroy();
  }

  @Test
  void theWardleExampleGetsEveryObjectWithTheRightFields() throws Exception {
    AggregatedApi api = client.resource(Fixtures.wardle()).create();
    ResourceNames names = ResourceNames.of(api);
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True");

    Secret tls = get(Secret.class, NS, names.servingSecret());
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(tls.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
    X509Certificate leaf = Pem.certificate(decode(tls, "tls.crt"));
    APIService v1alpha1 = get(APIService.class, null, "v1alpha1.wardle.example.com");
    X509Certificate caFromBundle = Pem.certificate(new String(Base64.getDecoder().decode(v1alpha1.getSpec().getCaBundle()),
        StandardCharsets.UTF_8));
    leaf.verify(caFromBundle.getPublicKey());
    assertThat(ServingCertificate.subjectAltNames(leaf)).containsExactlyInAnyOrder("wardle-apiserver",
        "wardle-apiserver.wardle", "wardle-apiserver.wardle.svc", "wardle-apiserver.wardle.svc.cluster.local");
    assertThat(keyMatches(decode(tls, "tls.key"), leaf)).isTrue();
    assertThat(decode(tls, "ca.crt")).isEqualTo(Pem.encode(caFromBundle));
    Secret ca = get(Secret.class, NS, names.caSecret());
    assertThat(Pem.certificate(decode(ca, "tls.crt"))).isEqualTo(caFromBundle);

    ConfigMap definition = get(ConfigMap.class, NS, names.definitionConfigMap());
    JsonNode yaml = YAML.readTree(definition.getData().get("aggregatedapi.yaml"));
    assertThat(yaml.path("apiVersion").asText()).isEqualTo("annex.dev/v1alpha1");
    assertThat(yaml.path("kind").asText()).isEqualTo("AggregatedApi");
    assertThat(yaml.path("metadata").path("name").asText()).isEqualTo("wardle");
    assertThat(yaml.path("metadata").path("namespace").asText()).isEqualTo(NS);
    assertThat(yaml.path("spec")).isEqualTo(JSON.valueToTree(Fixtures.wardle().getSpec()));
    assertThat(yaml.has("status")).isFalse();

    ServiceAccount sa = get(ServiceAccount.class, NS, names.apiserver());
    ClusterRoleBinding delegator = get(ClusterRoleBinding.class, null, names.authDelegatorBinding());
    assertThat(delegator.getRoleRef().getName()).isEqualTo("system:auth-delegator");
    assertThat(delegator.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
      assertThat(s.getNamespace()).isEqualTo(NS);
    });
    RoleBinding reader = get(RoleBinding.class, "kube-system", names.authReaderBinding());
    assertThat(reader.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(reader.getRoleRef().getName()).isEqualTo("extension-apiserver-authentication-reader");
    assertThat(reader.getSubjects().get(0).getNamespace()).isEqualTo(NS);
    for (HasMetadata clusterWide : List.of(delegator, reader, v1alpha1)) {
      assertThat(clusterWide.getMetadata().getLabels()).containsEntry(Labels.OWNER, "wardle.wardle");
      assertThat(clusterWide.getMetadata().getOwnerReferences()).isNullOrEmpty();
    }

    Deployment deployment = get(Deployment.class, NS, names.apiserver());
    var pod = deployment.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getArgs()).containsExactly("--api-definition", "/etc/annex/api/aggregatedapi.yaml",
        "--secure-port", "8443", "--tls-cert-file", "/etc/annex/tls/tls.crt",
        "--tls-private-key-file", "/etc/annex/tls/tls.key", "--shutdown-delay-duration", "5s");
    assertThat(container.getImage()).isEqualTo(dev.annex.operator.dependents.RuntimeImage.resolve(api.getSpec()))
        .startsWith("annex-apiserver:");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    // A slow start (a JVM on a busy node) is not killed by liveness: the startup probe allows minutes.
    var startup = container.getStartupProbe();
    assertThat(startup.getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(startup.getHttpGet().getScheme()).isEqualTo("HTTPS");
    assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold())
        .isEqualTo(dev.annex.operator.dependents.DeploymentDependent.STARTUP_BUDGET_SECONDS)
        .isGreaterThan(container.getLivenessProbe().getPeriodSeconds() * container.getLivenessProbe().getFailureThreshold());
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getServiceAccountName()).isEqualTo(names.apiserver());
    assertThat(pod.getVolumes()).extracting(v -> v.getSecret() != null ? v.getSecret().getSecretName()
        : v.getConfigMap() != null ? v.getConfigMap().getName() : "emptyDir " + v.getName())
        .containsExactlyInAnyOrder(names.servingSecret(), names.definitionConfigMap(), "emptyDir tmp");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getVolumeMounts()).anyMatch(m -> m.getName().equals("tmp") && m.getMountPath().equals("/tmp")
        && !Boolean.TRUE.equals(m.getReadOnly()));
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey(DeploymentDependent.CHECKSUM_ANNOTATION);
    // one replica in memory: no disruption budget, no spreading, no --storage-backend=etcd3
    assertThat(pod.getContainers().get(0).getArgs()).doesNotContain("etcd3");
    assertThat(pod.getAffinity()).isNull();
    assertThat(client.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems()).isEmpty();

    Service service = get(Service.class, NS, names.apiserver());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(443);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("https");
    });
    assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

    List<APIService> apiServices = ownedApiServices();
    assertThat(apiServices).extracting(s -> s.getMetadata().getName())
        .containsExactlyInAnyOrder("v1alpha1.wardle.example.com", "v1beta1.wardle.example.com");
    for (APIService s : apiServices) {
      assertThat(s.getSpec().getService().getName()).isEqualTo(names.apiserver());
      assertThat(s.getSpec().getService().getNamespace()).isEqualTo(NS);
      assertThat(s.getSpec().getService().getPort()).isEqualTo(443);
      assertThat(s.getSpec().getGroupPriorityMinimum()).isEqualTo(1000);
      assertThat(s.getSpec().getInsecureSkipTLSVerify()).isNotEqualTo(Boolean.TRUE);
      assertThat(s.getSpec().getCaBundle()).isEqualTo(v1alpha1.getSpec().getCaBundle());
    }
    assertThat(get(APIService.class, null, "v1beta1.wardle.example.com").getSpec().getVersionPriority()).isEqualTo(20);

    for (HasMetadata owned : List.of(tls, ca, definition, sa, deployment, service)) {
      assertThat(owned.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "annex")
          .containsEntry("app.kubernetes.io/name", "annex-apiserver").containsEntry("app.kubernetes.io/instance", "wardle");
    }

    AggregatedApi status = awaitCondition(NS, "wardle", Conditions.BACKEND_READY, "False");
    assertThat(status.getStatus().observedGeneration).isEqualTo(status.getMetadata().getGeneration());
    assertThat(status.getStatus().certificateNotAfter).isEqualTo(leaf.getNotAfter().toInstant().toString());
    assertThat(status.getStatus().apiServices).extracting(s -> s.name)
        .containsExactly("v1alpha1.wardle.example.com", "v1beta1.wardle.example.com");
    assertThat(condition(status, Conditions.CERTIFICATE_READY).getStatus()).isEqualTo("True");
    assertThat(condition(status, Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(condition(status, Conditions.READY).getReason()).isEqualTo("DeploymentNotReady");

    assertThat(condition(status, Conditions.AVAILABLE).getStatus()).isEqualTo("Unknown");

    markDeploymentReady(names);
    setApiServiceAvailability("v1alpha1.wardle.example.com", "False", "FailedDiscoveryCheck",
        "x509: certificate signed by unknown authority");
    setApiServiceAvailability("v1beta1.wardle.example.com", "True", "Passed", "all checks passed");
    AggregatedApi unavailable = awaitCondition(NS, "wardle", Conditions.AVAILABLE, "False");
    assertThat(condition(unavailable, Conditions.AVAILABLE).getReason()).isEqualTo("FailedDiscoveryCheck");
    assertThat(condition(unavailable, Conditions.READY).getStatus()).isEqualTo("False");
    await().atMost(WAIT).untilAsserted(() -> assertThat(fetch(NS, "wardle").getStatus().apiServices)
        .extracting(s -> s.available).containsExactly(false, true));

    setApiServiceAvailability("v1alpha1.wardle.example.com", "True", "Passed", "all checks passed");
    awaitCondition(NS, "wardle", Conditions.READY, "True");
    assertThat(condition(fetch(NS, "wardle"), Conditions.AVAILABLE).getReason()).isEqualTo("Passed");
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventReasons(NS))
        .contains("CAIssued", "CertificateIssued", "Created"));
    assertThat(events(NS)).filteredOn(e -> "Created".equals(e.getReason())).extracting(Event::getMessage)
        .anyMatch(m -> m.contains("Deployment")).anyMatch(m -> m.contains("APIService v1beta1.wardle.example.com"));
  }

  @Test
  void aSecondReconcileWithNothingChangedWritesNothing() throws Exception {
    AggregatedApi api = client.resource(Fixtures.wardle()).create();
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True");
    markDeploymentReady(ResourceNames.of(api));
    markApiServicesAvailable();
    awaitCondition(NS, "wardle", Conditions.READY, "True");
    awaitReconciles(2);
    drainRequests();

    awaitReconciles(3);
    List<String> writes = drainRequests().stream().filter(r -> WRITES.contains(r.getMethod()))
        .map(r -> r.getMethod() + " " + r.getPath()).toList();
    assertThat(writes).as("requests that write, after reconciles that found nothing new").isEmpty();
  }

  @Test
  void theLeafIsRenewedInsideItsWindowAndTheCaIsKept() throws Exception {
    AggregatedApi wardle = Fixtures.wardle();
    wardle.getSpec().certificate = new CertificatePolicy("2h", "1h");
    ResourceNames names = ResourceNames.of(client.resource(wardle).create());
    awaitCondition(NS, "wardle", Conditions.CERTIFICATE_READY, "True");
    Secret before = get(Secret.class, NS, names.servingSecret());
    String caBundle = get(APIService.class, null, "v1alpha1.wardle.example.com").getSpec().getCaBundle();
    String checksum = checksum(names);

    clock.advance(Duration.ofMinutes(61));

    await().atMost(WAIT).until(() -> !decode(get(Secret.class, NS, names.servingSecret()), "tls.crt")
        .equals(decode(before, "tls.crt")));
    Secret after = get(Secret.class, NS, names.servingSecret());
    X509Certificate renewed = Pem.certificate(decode(after, "tls.crt"));
    assertThat(renewed.getNotAfter()).isAfter(Pem.certificate(decode(before, "tls.crt")).getNotAfter());
    assertThat(decode(after, "ca.crt")).isEqualTo(decode(before, "ca.crt"));
    renewed.verify(Pem.certificate(decode(before, "ca.crt")).getPublicKey());
    assertThat(keyMatches(decode(after, "tls.key"), renewed)).isTrue();
    assertThat(get(APIService.class, null, "v1alpha1.wardle.example.com").getSpec().getCaBundle()).isEqualTo(caBundle);
    await().atMost(WAIT).until(() -> !checksum(names).equals(checksum));
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventReasons(NS)).contains("CertificateRenewed"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(fetch(NS, "wardle").getStatus().certificateNotAfter)
        .isEqualTo(renewed.getNotAfter().toInstant().toString()));
  }

  @Test
  void aDamagedOrDeletedSecretIsReissuedFromTheSameCa() throws Exception {
    ResourceNames names = ResourceNames.of(client.resource(Fixtures.wardle()).create());
    awaitCondition(NS, "wardle", Conditions.CERTIFICATE_READY, "True");
    Secret original = get(Secret.class, NS, names.servingSecret());

    Secret garbage = get(Secret.class, NS, names.servingSecret());
    garbage.getData().put("tls.key", Base64.getEncoder().encodeToString("garbage".getBytes(StandardCharsets.UTF_8)));
    client.resource(garbage).update();
    awaitValidServingSecret(names, decode(original, "ca.crt"));

    Secret missing = get(Secret.class, NS, names.servingSecret());
    missing.getData().remove("tls.crt");
    client.resource(missing).update();
    awaitValidServingSecret(names, decode(original, "ca.crt"));

    // Deleting the Secret is how a person asks for a new certificate: a new leaf, from the same CA.
    String repaired = decode(get(Secret.class, NS, names.servingSecret()), "tls.crt");
    client.secrets().inNamespace(NS).withName(names.servingSecret()).delete();
    await().atMost(WAIT).until(() -> {
      Secret s = client.secrets().inNamespace(NS).withName(names.servingSecret()).get();
      return s != null && s.getData().containsKey("tls.crt") && !decode(s, "tls.crt").equals(repaired);
    });
    awaitValidServingSecret(names, decode(original, "ca.crt"));

    assertThat(decode(get(Secret.class, NS, names.caSecret()), "tls.crt")).isEqualTo(decode(original, "ca.crt"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventReasons(NS)).contains("CertificateRepaired"));
  }

  @Test
  void removingAVersionRemovesItsApiServiceAndAddingOneAddsIt() {
    client.resource(Fixtures.wardle()).create();
    await().atMost(WAIT).until(() -> ownedApiServices().size() == 2);

    editSpec(a -> a.getSpec().versions.removeIf(v -> v.name.equals("v1beta1")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(ownedApiServices()).extracting(s -> s.getMetadata().getName())
        .containsExactly("v1alpha1.wardle.example.com"));

    editSpec(a -> a.getSpec().versions.add(new ApiVersion("v1", 30, true, false)));

    await().atMost(WAIT).untilAsserted(() -> assertThat(ownedApiServices()).extracting(s -> s.getMetadata().getName())
        .containsExactlyInAnyOrder("v1alpha1.wardle.example.com", "v1.wardle.example.com"));
    assertThat(get(APIService.class, null, "v1.wardle.example.com").getSpec().getVersionPriority()).isEqualTo(30);
    await().atMost(WAIT).untilAsserted(() -> assertThat(fetch(NS, "wardle").getStatus().apiServices)
        .extracting(s -> s.name).containsExactly("v1.wardle.example.com", "v1alpha1.wardle.example.com"));
  }

  @Test
  void aDeletedOrEditedApiServiceIsPutBack() {
    client.resource(Fixtures.wardle()).create();
    await().atMost(WAIT).until(() -> ownedApiServices().size() == 2);
    String caBundle = get(APIService.class, null, "v1alpha1.wardle.example.com").getSpec().getCaBundle();

    client.resources(APIService.class).withName("v1beta1.wardle.example.com").delete();
    await().atMost(WAIT).until(() -> client.resources(APIService.class).withName("v1beta1.wardle.example.com").get() != null);

    APIService drifted = get(APIService.class, null, "v1alpha1.wardle.example.com");
    drifted.getSpec().setCaBundle(null);
    drifted.getSpec().setInsecureSkipTLSVerify(true);
    drifted.getSpec().getService().setPort(8443);
    client.resource(drifted).update();
    await().atMost(WAIT).untilAsserted(() -> {
      APIService reverted = get(APIService.class, null, "v1alpha1.wardle.example.com");
      assertThat(reverted.getSpec().getCaBundle()).isEqualTo(caBundle);
      assertThat(reverted.getSpec().getInsecureSkipTLSVerify()).isNotEqualTo(Boolean.TRUE);
      assertThat(reverted.getSpec().getService().getPort()).isEqualTo(443);
    });
  }

  @Test
  void etcdStorageAndPodOverridesReachTheDeployment() {
    AggregatedApi wardle = Fixtures.wardle();
    wardle.getSpec().replicas = 3;
    wardle.getSpec().storage.type = dev.annex.operator.api.Storage.Type.Etcd;
    wardle.getSpec().storage.etcd = new dev.annex.operator.api.Storage.Etcd();
    wardle.getSpec().storage.etcd.servers = List.of("https://etcd-0:2379", "https://etcd-1:2379");
    wardle.getSpec().storage.etcd.tlsSecretName = "etcd-client";
    wardle.getSpec().image = "registry.example/annex-apiserver:custom";
    wardle.getSpec().pod = new dev.annex.operator.api.PodOverrides();
    wardle.getSpec().pod.nodeSelector = Map.of("disk", "ssd");
    ResourceNames names = ResourceNames.of(client.resource(wardle).create());

    await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace(NS).withName(names.apiserver()).get() != null);
    Deployment deployment = get(Deployment.class, NS, names.apiserver());
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry.example/annex-apiserver:custom");
    assertThat(pod.getContainers().get(0).getArgs()).containsSubsequence(
        "--storage-backend", "etcd3", "--etcd-servers", "https://etcd-0:2379,https://etcd-1:2379",
        "--etcd-prefix", "/registry/wardle.example.com", "--etcd-cafile", "/etc/annex/etcd/ca.crt");
    assertThat(pod.getVolumes()).anyMatch(v -> v.getSecret() != null && "etcd-client".equals(v.getSecret().getSecretName()));
    assertThat(pod.getNodeSelector()).containsEntry("disk", "ssd");

    // three replicas on etcd: rolls without losing a ready pod, spreads across nodes, survives drains
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    var spread = pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    assertThat(spread).singleElement().satisfies(term -> {
      assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
          .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    });
    await().atMost(WAIT).until(() -> client.policy().v1().podDisruptionBudget().inNamespace(NS)
        .withName(names.apiserver()).get() != null);
    PodDisruptionBudget budget = get(PodDisruptionBudget.class, NS, names.apiserver());
    assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

    editSpec(api -> api.getSpec().replicas = 1);
    await().atMost(WAIT).alias("one replica needs no disruption budget").until(() -> client.policy().v1()
        .podDisruptionBudget().inNamespace(NS).withName(names.apiserver()).get() == null);
    assertThat(get(Deployment.class, NS, names.apiserver()).getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void anExternalBackendGetsAnExternalNameServiceAndNoDeployment() throws Exception {
    AggregatedApi wardle = Fixtures.wardle();
    External external = new External();
    external.host = "localhost";
    external.port = 8443;
    wardle.getSpec().external = external;
    ResourceNames names = ResourceNames.of(client.resource(wardle).create());
    await().atMost(WAIT).until(() -> ownedApiServices().size() == 2);
    markApiServicesAvailable();
    awaitCondition(NS, "wardle", Conditions.READY, "True");

    Service service = get(Service.class, NS, names.apiserver());
    assertThat(service.getSpec().getType()).isEqualTo("ExternalName");
    assertThat(service.getSpec().getExternalName()).isEqualTo("localhost");
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(8443);
    assertThat(client.apps().deployments().inNamespace(NS).withName(names.apiserver()).get()).isNull();
    assertThat(get(APIService.class, null, "v1alpha1.wardle.example.com").getSpec().getService().getPort()).isEqualTo(8443);
    X509Certificate leaf = Pem.certificate(decode(get(Secret.class, NS, names.servingSecret()), "tls.crt"));
    assertThat(ServingCertificate.subjectAltNames(leaf)).contains("wardle-apiserver.wardle.svc", "localhost", "127.0.0.1");
  }

  @Test
  void deletingTheAggregatedApiLeavesNothingBehind() {
    AggregatedApi api = client.resource(Fixtures.wardle()).create();
    ResourceNames names = ResourceNames.of(api);
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True");
    String uid = fetch(NS, "wardle").getMetadata().getUid();
    List<HasMetadata> namespaced = List.of(get(Secret.class, NS, names.servingSecret()), get(Secret.class, NS, names.caSecret()),
        get(ConfigMap.class, NS, names.definitionConfigMap()), get(ServiceAccount.class, NS, names.apiserver()),
        get(Deployment.class, NS, names.apiserver()), get(Service.class, NS, names.apiserver()));

    client.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").delete();

    await().atMost(WAIT).until(() -> client.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").get() == null);
    assertThat(ownedApiServices()).isEmpty();
    assertThat(client.resources(APIService.class).list().getItems()).isEmpty();
    assertThat(client.rbac().clusterRoleBindings().list().getItems()).isEmpty();
    assertThat(client.rbac().roleBindings().inNamespace("kube-system").list().getItems()).isEmpty();
    // The mock has no garbage collector: the real one deletes these through their owner reference.
    for (HasMetadata object : namespaced) {
      assertThat(object.getMetadata().getOwnerReferences()).as(object.getKind())
          .anyMatch(r -> uid.equals(r.getUid()) && "AggregatedApi".equals(r.getKind()));
    }
  }

  @Test
  void badInputIsRefusedWithAConditionAndCreatesNothing() {
    Map<String, java.util.function.Consumer<AggregatedApi>> cases = new java.util.LinkedHashMap<>();
    cases.put("DuplicateKind", a -> a.getSpec().resources.get(1).kind = "Flunder");
    cases.put("InvalidPlural", a -> a.getSpec().resources.get(0).plural = "Flunders");
    cases.put("NonStructuralSchema", a -> ((com.fasterxml.jackson.databind.node.ObjectNode) a.getSpec().resources.get(1)
        .schema.openAPIV3Schema.path("properties").path("disallowedFlunders")).remove("type"));
    cases.put("ReservedGroup", a -> a.getSpec().group = "apps");
    int i = 0;
    for (var entry : cases.entrySet()) {
      String ns = "bad-" + i++;
      AggregatedApi api = Fixtures.wardle(ns, "wardle");
      api.getSpec().group = "g" + i + ".example.com";
      entry.getValue().accept(api);
      client.resource(api).create();
      AggregatedApi refused = awaitCondition(ns, "wardle", Conditions.READY, "False");
      Condition ready = condition(refused, Conditions.READY);
      assertThat(ready.getReason()).isEqualTo(entry.getKey());
      assertThat(ready.getMessage()).isNotBlank();
      await().atMost(WAIT).untilAsserted(() -> assertThat(eventReasons(ns)).contains("Refused"));
      assertNothingCreatedIn(ns);
    }
    assertThat(client.resources(APIService.class).list().getItems()).isEmpty();
    assertThat(client.rbac().clusterRoleBindings().list().getItems()).isEmpty();
    assertThat(client.rbac().roleBindings().inNamespace("kube-system").list().getItems()).isEmpty();
  }

  @Test
  void aGroupAlreadyServedByAnotherAggregatedApiIsRefused() {
    client.resource(Fixtures.wardle("first", "wardle")).create();
    awaitCondition("first", "wardle", Conditions.API_SERVICES_REGISTERED, "True");
    List<APIService> before = ownedApiServices();

    client.resource(Fixtures.wardle("second", "wardle")).create();
    AggregatedApi refused = awaitCondition("second", "wardle", Conditions.READY, "False");
    assertThat(condition(refused, Conditions.READY).getReason()).isEqualTo("GroupConflict");
    assertThat(condition(refused, Conditions.READY).getMessage()).contains("first/wardle");
    assertNothingCreatedIn("second");
    assertThat(ownedApiServices()).extracting(s -> s.getMetadata().getLabels().get(Labels.OWNER))
        .containsOnly("first.wardle").hasSize(before.size());

    // Deleting the refused one must not take the first one's APIServices with it.
    client.resources(AggregatedApi.class).inNamespace("second").withName("wardle").delete();
    await().atMost(WAIT).until(() -> client.resources(AggregatedApi.class).inNamespace("second").withName("wardle").get() == null);
    assertThat(ownedApiServices()).hasSize(2);
  }

  @Test
  void metricsCountReconciles() {
    client.resource(Fixtures.wardle()).create();
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True");
    assertThat(metrics.prometheusText())
        .contains("annex_controller_executions_total{controller=\"aggregatedapi\",execution=\"reconcile\"")
        .contains("annex_controller_execution_seconds_total");
  }

  // ---- helpers ----

  /**
   * Edits the spec as {@code kubectl edit} does: a patch of what changed. A PUT of the whole object
   * would also write the status it read, which the mock (unlike kube-apiserver) does not ignore.
   * A 409 (the operator's status write got there first) is retried, as a person would.
   */
  private void editSpec(java.util.function.Consumer<AggregatedApi> change) {
    await().atMost(WAIT).ignoreException(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
      client.resources(AggregatedApi.class).inNamespace(NS).withName("wardle").edit(api -> {
        change.accept(api);
        return api;
      });
      return true;
    });
  }

  private void assertNothingCreatedIn(String ns) {
    assertThat(client.secrets().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.configMaps().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.serviceAccounts().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.services().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.rbac().clusterRoleBindings().list().getItems())
        .noneMatch(b -> b.getMetadata().getName().contains(":" + ns + ":"));
  }

  /** Until the operator has repaired it, the Secret may still hold the garbage the test wrote. */
  private void awaitValidServingSecret(ResourceNames names, String caPem) {
    await().atMost(WAIT).ignoreExceptionsInstanceOf(Pem.InvalidPemException.class).untilAsserted(() -> {
      Secret s = get(Secret.class, NS, names.servingSecret());
      assertThat(s.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
      X509Certificate leaf = Pem.certificate(decode(s, "tls.crt"));
      assertThat(keyMatches(decode(s, "tls.key"), leaf)).isTrue();
      assertThat(decode(s, "ca.crt")).isEqualTo(caPem);
      leaf.verify(Pem.certificate(caPem).getPublicKey());
    });
  }

  private void markDeploymentReady(ResourceNames names) {
    Deployment deployment = get(Deployment.class, NS, names.apiserver());
    deployment.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
    client.resource(deployment).updateStatus();
  }

  /** What the aggregator writes after probing the backend. */
  private void setApiServiceAvailability(String name, String status, String reason, String message) {
    APIService service = get(APIService.class, null, name);
    service.setStatus(new io.fabric8.kubernetes.api.model.APIServiceStatusBuilder().addNewCondition()
        .withType("Available").withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(java.time.Instant.now().toString()).endCondition().build());
    client.resource(service).updateStatus();
  }

  private void markApiServicesAvailable() {
    for (APIService service : ownedApiServices()) {
      setApiServiceAvailability(service.getMetadata().getName(), "True", "Passed", "all checks passed");
    }
  }

  private String checksum(ResourceNames names) {
    return get(Deployment.class, NS, names.apiserver()).getSpec().getTemplate().getMetadata().getAnnotations()
        .get(DeploymentDependent.CHECKSUM_ANNOTATION);
  }

  private void awaitReconciles(int count) {
    long target = metrics.reconcileCount() + count;
    await().atMost(WAIT).until(() -> metrics.reconcileCount() >= target);
  }

  private List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      requests.add(request);
    }
    return requests;
  }

  private AggregatedApi awaitCondition(String ns, String name, String type, String status) {
    Predicate<AggregatedApi> has = a -> a != null && a.getStatus() != null && a.getStatus().conditions != null
        && Conditions.find(a.getStatus().conditions, type).map(c -> status.equals(c.getStatus())).orElse(false);
    await().atMost(WAIT).until(() -> has.test(fetch(ns, name)));
    return fetch(ns, name);
  }

  private AggregatedApi fetch(String ns, String name) {
    return client.resources(AggregatedApi.class).inNamespace(ns).withName(name).get();
  }

  private static Condition condition(AggregatedApi api, String type) {
    return Conditions.find(api.getStatus().conditions, type).orElseThrow();
  }

  private <T extends HasMetadata> T get(Class<T> type, String ns, String name) {
    T object = ns == null ? client.resources(type).withName(name).get()
        : client.resources(type).inNamespace(ns).withName(name).get();
    assertThat(object).as("%s %s/%s", type.getSimpleName(), ns, name).isNotNull();
    return object;
  }

  private List<APIService> ownedApiServices() {
    return client.resources(APIService.class).withLabel(Labels.MANAGED_BY, "annex").list().getItems();
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  private List<String> eventReasons(String ns) {
    return events(ns).stream().map(Event::getReason).toList();
  }

  private static String decode(Secret secret, String key) {
    String value = secret.getData().get(key);
    return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }

  private static boolean keyMatches(String keyPem, X509Certificate certificate) throws Exception {
    var key = Pem.privateKey(keyPem);
    var signer = java.security.Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    var verifier = java.security.Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(new byte[] {1, 2, 3});
    return verifier.verify(signature);
  }
}
