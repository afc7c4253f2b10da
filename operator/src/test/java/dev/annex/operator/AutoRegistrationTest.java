package dev.annex.operator;

import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.External;
import dev.annex.operator.certificates.Pem;
import dev.annex.operator.registration.DiscoveryServer;
import dev.annex.operator.metrics.ReconcileMetrics;
import dev.annex.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The APIService registration loop against the mock API server in CRUD mode, with a
 * {@link FakeAggregator} writing APIService status where the real kube-aggregator would.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoRegistrationTest {
  private static final String NS = "wardle";
  private static final String V1ALPHA1 = "v1alpha1.wardle.example.com";
  private static final String V1BETA1 = "v1beta1.wardle.example.com";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration VERDICT_WAIT = Duration.ofSeconds(3);
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  /** Creates of APIServices fail with 500 while this is set, as an API server in trouble would answer. */
  private final AtomicBoolean failApiServiceCreates = new AtomicBoolean();
  /**
   * Updates of APIServices answer 409 while this is above zero, as when the aggregator wrote the
   * status between the operator's read and its write.
   */
  private final AtomicInteger apiServiceUpdateConflicts = new AtomicInteger();
  /** GETs of single APIServices: the controller otherwise reads from its informer's cache. */
  private final AtomicInteger apiServiceReads = new AtomicInteger();
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Operator operator;
  private ReconcileMetrics metrics;
  private FakeAggregator aggregator;

  @BeforeEach
  void startServer() {
    KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher() {
      @Override
      public MockResponse handleCreate(RecordedRequest request) {
        if (failApiServiceCreates.get() && request.getPath().startsWith("/apis/apiregistration.k8s.io/v1/apiservices")) {
          return new MockResponse().setResponseCode(500).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
              + "\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}");
        }
        return super.handleCreate(request);
      }

      @Override
      public MockResponse handleUpdate(RecordedRequest request) {
        String path = request.getPath();
        if (path.startsWith("/apis/apiregistration.k8s.io/v1/apiservices/") && !path.endsWith("/status")
            && apiServiceUpdateConflicts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          String name = path.substring(path.lastIndexOf('/') + 1);
          return new MockResponse().setResponseCode(409).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
              + "\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409,\"message\":\"Operation cannot be "
              + "fulfilled on apiservices.apiregistration.k8s.io \\\"" + name + "\\\": the object has been modified; "
              + "please apply your changes to the latest version and try again\"}");
        }
        return super.handleUpdate(request);
      }

      @Override
      public MockResponse handleGet(String path) {
        if (path.startsWith("/apis/apiregistration.k8s.io/v1/apiservices/")) {
          apiServiceReads.incrementAndGet();
        }
        return super.handleGet(path);
      }
    };
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    server.expectCustomResource(CustomResourceDefinitionContext.fromCustomResourceType(AggregatedApi.class));
    // No client-side retry of 5xx answers: the registration controller's own backoff is what is under test.
    try (KubernetesClient template = server.createClient()) {
      client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(template.getConfiguration())
          .withRequestRetryBackoffLimit(0).build()).build();
    }
  }

  @AfterEach
  void stopAll() {
    if (aggregator != null) {
      aggregator.close();
    }
    if (operator != null) {
      operator.stop();
    }
    client.close();
    server.destroy();
  }

  /** A new operator instance on whatever the mock holds, reconciling every owner at least every {@code interval}. */
  private void startOperator(Duration interval) {
    metrics = new ReconcileMetrics();
    operator = AnnexOperator.create(client, metrics, new AnnexOperator.Settings(Clock.systemUTC(), false, interval,
        AggregatedApiReconciler.ServiceNetwork.UNREACHABLE, VERDICT_WAIT, Duration.ofSeconds(1)));
    operator.start();
  }

  private void startAggregator() {
    aggregator = new FakeAggregator(client);
  }

  @Test
  void aDeletedApiServiceComesBackAndAnEditedOneIsReverted() {
    startOperator(Duration.ofSeconds(30));
    client.resource(Fixtures.wardle()).create();
    await().atMost(WAIT).until(() -> ownedNames().size() == 2);
    String caBundle = apiService(V1ALPHA1).getSpec().getCaBundle();

    client.resources(APIService.class).withName(V1BETA1).delete();
    long deleted = System.nanoTime();
    // One queue cycle: the informer's delete event queues the name, a worker creates it.
    await().atMost(Duration.ofSeconds(5)).until(() -> client.resources(APIService.class).withName(V1BETA1).get() != null);
    long recreatedMillis = (System.nanoTime() - deleted) / 1_000_000;

    APIService edited = apiService(V1ALPHA1);
    edited.getSpec().setCaBundle("Zm9yZ2Vk");
    edited.getSpec().setGroupPriorityMinimum(1);
    client.resource(edited).update();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      APIService reverted = apiService(V1ALPHA1);
      assertThat(reverted.getSpec().getCaBundle()).isEqualTo(caBundle);
      assertThat(reverted.getSpec().getGroupPriorityMinimum()).isEqualTo(1000);
    });
    assertThat(ownedNames()).containsExactlyInAnyOrder(V1ALPHA1, V1BETA1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(NS)).extracting(Event::getMessage)
        .contains("Created APIService " + V1BETA1, "Reverted drift in APIService " + V1ALPHA1));
    assertThat(metrics.prometheusText())
        .contains("annex_apiservice_writes_total{verb=\"create\"} 3")
        .contains("annex_apiservice_writes_total{verb=\"update\"} 1")
        .contains("annex_apiservices_managed 2")
        .contains("annex_apiservice_queue_depth 0")
        .contains("annex_apiservice_work_duration_seconds_count");
    System.out.printf("measured: a deleted APIService was back after %d ms%n", recreatedMillis);
  }

  @Test
  void failedWritesAreRetriedWithBackoffAndReportedMeanwhile() {
    failApiServiceCreates.set(true);
    startOperator(Duration.ofSeconds(30));
    client.resource(Fixtures.wardle()).create();

    AggregatedApi failing = awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "False", "RegistrationFailed");
    assertThat(condition(failing, Conditions.API_SERVICES_REGISTERED).getMessage())
        .contains(V1ALPHA1).contains("etcdserver: request timed out").contains("retrying with backoff");
    await().atMost(WAIT).until(() -> metrics.registration().retryCount() >= 6);
    assertThat(ownedNames()).isEmpty();

    failApiServiceCreates.set(false);
    // The backoff doubles from 5 ms and is capped at 30 s: a few seconds of failures cost a few seconds at most.
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True", "Registered");
    assertThat(ownedNames()).containsExactlyInAnyOrder(V1ALPHA1, V1BETA1);
    assertThat(metrics.prometheusText()).containsPattern("annex_apiservice_retries_total [1-9]");
  }

  @Test
  void anUpdateThatMeetsAConflictIsRetriedOnAFreshReadAndOnlyPersistentConflictsAreReported() {
    startOperator(Duration.ofSeconds(30));
    client.resource(Fixtures.wardle()).create();
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True", "Registered");
    String caBundle = apiService(V1ALPHA1).getSpec().getCaBundle();

    // Two conflicts are fewer than the writes retried in place: one pass reverts the drift, reading
    // the APIService afresh after each conflict, and reports nothing.
    long retriesBefore = metrics.registration().retryCount();
    long updatesBefore = apiServiceUpdates();
    int readsBefore = apiServiceReads.get();
    apiServiceUpdateConflicts.set(2);
    forgeCaBundle(V1ALPHA1);
    await().atMost(WAIT).until(() -> apiServiceUpdates() == updatesBefore + 1);
    assertThat(apiServiceReads.get() - readsBefore).as("the patch's own read, then one read after each conflict")
        .isEqualTo(1 + 2);
    assertThat(metrics.registration().retryCount() - retriesBefore).isEqualTo(2);
    assertThat(apiServiceUpdateConflicts.get()).isZero();
    assertThat(apiService(V1ALPHA1).getSpec().getCaBundle()).isEqualTo(caBundle);
    assertThat(events(NS)).noneMatch(e -> "RegistrationFailed".equals(e.getReason()));

    // Conflicts that outlast those retries put the name back on the queue with backoff, until a write gets through.
    apiServiceUpdateConflicts.set(7);
    forgeCaBundle(V1ALPHA1);
    await().atMost(WAIT).until(() -> apiServiceUpdates() == updatesBefore + 2);
    assertThat(apiServiceUpdateConflicts.get()).isZero();
    assertThat(apiService(V1ALPHA1).getSpec().getCaBundle()).isEqualTo(caBundle);
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True", "Registered");
  }

  /** A merge patch, which the client sends after one read of the object. */
  private void forgeCaBundle(String name) {
    client.resources(APIService.class).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"caBundle\":\"Zm9yZ2Vk\"}}");
  }

  private long apiServiceUpdates() {
    return metrics.prometheusText().lines().filter(l -> l.startsWith("annex_apiservice_writes_total{verb=\"update\"} "))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void anUnlabelledApiServiceOfAWantedNameIsLeftAloneAndReportedAsAConflict() {
    APIService foreign = client.resource(new APIServiceBuilder()
        .withNewMetadata().withName(V1ALPHA1).endMetadata()
        .withNewSpec().withGroup("wardle.example.com").withVersion("v1alpha1").withGroupPriorityMinimum(100)
          .withVersionPriority(15).withInsecureSkipTLSVerify(true)
          .withNewService().withNamespace("elsewhere").withName("someone-else").withPort(443).endService()
        .endSpec().build()).create();
    startOperator(Duration.ofSeconds(30));
    client.resource(Fixtures.wardle()).create();

    AggregatedApi conflicted = awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "False", "Conflict");
    assertThat(condition(conflicted, Conditions.API_SERVICES_REGISTERED).getMessage())
        .contains(V1ALPHA1).contains("not managed by Annex");
    assertThat(condition(conflicted, Conditions.READY).getStatus()).isEqualTo("False");
    await().atMost(WAIT).until(() -> ownedNames().contains(V1BETA1));
    await().atMost(WAIT).untilAsserted(() -> assertThat(fetch(NS, "wardle").getStatus().apiServices)
        .filteredOn(s -> s.name.equals(V1ALPHA1)).singleElement().satisfies(s -> assertThat(s.reason).isEqualTo("Conflict")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(NS))
        .anyMatch(e -> "Conflict".equals(e.getReason()) && "Warning".equals(e.getType())));
    APIService untouched = apiService(V1ALPHA1);
    assertThat(untouched.getMetadata().getResourceVersion()).isEqualTo(foreign.getMetadata().getResourceVersion());
    assertThat(untouched.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(untouched.getSpec()).isEqualTo(foreign.getSpec());

    // Once the foreign one is gone, the name is Annex's to register.
    client.resources(APIService.class).withName(V1ALPHA1).delete();
    awaitCondition(NS, "wardle", Conditions.API_SERVICES_REGISTERED, "True", "Registered");
    assertThat(ownedNames()).containsExactlyInAnyOrder(V1ALPHA1, V1BETA1);
  }

  @Test
  void availabilityFollowsTheAggregatorWithEventsAndNothingIsWrittenInBetween() throws Exception {
    startAggregator();
    startOperator(Duration.ofSeconds(1));
    client.resource(Fixtures.wardle()).create();
    await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace(NS).withName("wardle-apiserver").get() != null);
    markDeploymentReady(NS, "wardle-apiserver");
    awaitCondition(NS, "wardle", Conditions.READY, "True", "Ready");
    AggregatedApi available = awaitCondition(NS, "wardle", Conditions.AVAILABLE, "True", "Passed");
    assertThat(available.getStatus().apiServices).extracting(s -> s.available).containsExactly(true, true);
    assertNoWritesOverReconciles(3);

    aggregator.set(V1ALPHA1, "False", "FailedDiscoveryCheck",
        "failing or missing response from https://10.0.0.1:443/apis/wardle.example.com/v1alpha1: connection refused");
    AggregatedApi failing = awaitCondition(NS, "wardle", Conditions.AVAILABLE, "False", "FailedDiscoveryCheck");
    Condition condition = condition(failing, Conditions.AVAILABLE);
    assertThat(condition.getMessage()).startsWith(V1ALPHA1 + ": failing or missing response").endsWith("connection refused");
    assertThat(condition.getLastTransitionTime()).isNotNull();
    assertThat(condition(failing, Conditions.READY).getReason()).isEqualTo("FailedDiscoveryCheck");
    assertThat(failing.getStatus().apiServices).filteredOn(s -> s.name.equals(V1ALPHA1)).singleElement()
        .satisfies(s -> {
          assertThat(s.available).isFalse();
          assertThat(s.reason).isEqualTo("FailedDiscoveryCheck");
        });
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(NS))
        .anyMatch(e -> "Warning".equals(e.getType()) && "FailedDiscoveryCheck".equals(e.getReason())
            && e.getMessage().startsWith("Available is False")));
    assertNoWritesOverReconciles(3);

    // Another failure reason of the same status: the message follows, the transition time does not move.
    aggregator.set(V1ALPHA1, "False", "MissingEndpoints",
        "endpointslices for service/wardle-apiserver in \"wardle\" have no addresses with port name \"https\"");
    AggregatedApi missing = awaitCondition(NS, "wardle", Conditions.AVAILABLE, "False", "MissingEndpoints");
    assertThat(condition(missing, Conditions.AVAILABLE).getLastTransitionTime()).isEqualTo(condition.getLastTransitionTime());

    aggregator.set(V1ALPHA1, "True", "Passed", "all checks passed");
    awaitCondition(NS, "wardle", Conditions.AVAILABLE, "True", "Passed");
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(NS)).filteredOn(e -> e.getMessage().startsWith("Available is"))
        .extracting(Event::getReason).containsExactlyInAnyOrder("Passed", "FailedDiscoveryCheck", "Passed"));
    assertThat(metrics.prometheusText()).contains("annex_apiservice_available{apiservice=\"" + V1ALPHA1 + "\"} 1");
  }

  @Test
  void withoutAnAggregatorAvailabilityIsUnknownAfterABoundedWait() {
    startOperator(Duration.ofSeconds(1));
    client.resource(Fixtures.wardle()).create();
    AggregatedApi verdictless = awaitCondition(NS, "wardle", Conditions.AVAILABLE, "Unknown", "NoAggregatorVerdict");
    assertThat(condition(verdictless, Conditions.AVAILABLE).getMessage()).contains("no aggregator wrote an Available condition");
    assertThat(verdictless.getStatus().apiServices).allSatisfy(s -> {
      assertThat(s.available).isNull();
      assertThat(s.reason).isEqualTo("NoAggregatorVerdict");
    });
    assertThat(condition(verdictless, Conditions.BACKEND_REACHABLE).getReason()).isEqualTo("ProbeSkipped");
    assertThat(metrics.prometheusText()).contains("annex_apiservice_available{apiservice=\"" + V1ALPHA1 + "\"} -1");
  }

  @Test
  void theOperatorsOwnProbeTellsWhetherTheBackendAnswersDiscovery() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    startOperator(Duration.ofSeconds(1));
    AggregatedApi wardle = Fixtures.wardle();
    wardle.getSpec().external = new External();
    wardle.getSpec().external.host = "127.0.0.1";
    wardle.getSpec().external.port = port;
    client.resource(wardle).create();

    AggregatedApi down = awaitCondition(NS, "wardle", Conditions.BACKEND_REACHABLE, "False", "FailedDiscoveryCheck");
    assertThat(condition(down, Conditions.BACKEND_REACHABLE).getMessage())
        .contains("https://wardle-apiserver.wardle.svc:" + port + "/apis/wardle.example.com/").containsIgnoringCase("refused");

    // The runtime's stand-in serves the certificate the operator issued; the probe verifies it for the Service's name.
    Secret tls = client.secrets().inNamespace(NS).withName("wardle-apiserver-tls").get();
    try (DiscoveryServer backend = DiscoveryServer.start(port, Pem.certificate(decode(tls, "tls.crt")),
        Pem.privateKey(decode(tls, "tls.key")), Pem.certificate(decode(tls, "ca.crt")))) {
      awaitCondition(NS, "wardle", Conditions.BACKEND_REACHABLE, "True", "Passed");
      await().atMost(WAIT).untilAsserted(() -> assertThat(events(NS)).anyMatch(e -> "Normal".equals(e.getType())
          && e.getMessage().startsWith("BackendReachable is True")));

      backend.respondWith(503);
      AggregatedApi failing = awaitCondition(NS, "wardle", Conditions.BACKEND_REACHABLE, "False", "FailedDiscoveryCheck");
      assertThat(condition(failing, Conditions.BACKEND_REACHABLE).getMessage()).endsWith(": 503");
    }
    // The aggregator's verdict is a separate condition: nobody wrote one here.
    assertThat(condition(fetch(NS, "wardle"), Conditions.AVAILABLE).getStatus()).isEqualTo("Unknown");
  }

  private static String decode(Secret secret, String key) {
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  @Test
  void aRestartedOperatorWritesNothingAndDeletesOnlyWhatLostItsOwner() throws Exception {
    startAggregator();
    startOperator(Duration.ofSeconds(1));
    client.resource(Fixtures.wardle("first", "wardle")).create();
    AggregatedApi second = Fixtures.wardle("second", "wardle");
    second.getSpec().group = "second.example.com";
    client.resource(second).create();
    for (String ns : List.of("first", "second")) {
      awaitCondition(ns, "wardle", Conditions.AVAILABLE, "True", "Passed");
      awaitCondition(ns, "wardle", Conditions.API_SERVICES_REGISTERED, "True", "Registered");
    }
    List<String> names = ownedNames();
    assertThat(names).hasSize(4).doesNotHaveDuplicates();
    operator.stop();
    drainRequests();

    startOperator(Duration.ofSeconds(1));
    awaitReconciles(6);
    assertThat(writes(drainRequests())).as("writes by a restarted operator with nothing to do").isEmpty();
    assertThat(ownedNames()).containsExactlyInAnyOrderElementsOf(names);

    // While the operator is down, "second" disappears without its finalizer running.
    operator.stop();
    var gone = client.resources(AggregatedApi.class).inNamespace("second").withName("wardle");
    gone.edit(a -> {
      a.getMetadata().setFinalizers(List.of());
      return a;
    });
    gone.delete();
    await().atMost(WAIT).until(() -> gone.get() == null);
    drainRequests();

    startOperator(Duration.ofSeconds(1));
    await().atMost(WAIT).until(() -> ownedNames().size() == 2);
    awaitReconciles(4);
    assertThat(ownedNames()).containsExactlyInAnyOrder("v1alpha1.wardle.example.com", "v1beta1.wardle.example.com");
    assertThat(writes(drainRequests())).as("writes by an operator that finds an owner gone")
        .containsExactlyInAnyOrder("DELETE /apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.second.example.com",
            "DELETE /apis/apiregistration.k8s.io/v1/apiservices/v1beta1.second.example.com");
  }

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void twoHundredOwnersWithTwoVersionsEachReachASteadyStateAndASecondPassWritesNothing() throws Exception {
    int owners = 200;
    startAggregator();
    // Periodic reconciles every 15 s: a pass over every owner without events, without crowding the creation.
    startOperator(Duration.ofSeconds(15));
    long start = System.nanoTime();
    for (int i = 0; i < owners; i++) {
      AggregatedApi api = Fixtures.wardle("many", "api-" + i);
      api.getSpec().group = "g" + i + ".example.com";
      assertThat(api.getSpec().versions).hasSize(2);
      client.resource(api).create();
    }
    await().atMost(Duration.ofSeconds(420)).pollInterval(Duration.ofSeconds(2)).until(() ->
        client.resources(AggregatedApi.class).inNamespace("many").list().getItems().stream().filter(a ->
            a.getStatus() != null && Conditions.isTrue(a.getStatus().conditions, Conditions.API_SERVICES_REGISTERED)
                && Conditions.isTrue(a.getStatus().conditions, Conditions.AVAILABLE)).count() == owners);
    long steadyMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(ownedNames()).hasSize(2 * owners).doesNotHaveDuplicates();
    drainRequests();

    long worked = metrics.registration().workCount();
    long passStart = System.nanoTime();
    awaitReconciles(2 * owners, Duration.ofSeconds(150));
    long passMillis = (System.nanoTime() - passStart) / 1_000_000;
    List<RecordedRequest> requests = drainRequests();
    assertThat(writes(requests)).as("writes during a second pass over %d owners", owners).isEmpty();
    assertThat(metrics.registration().workCount()).as("names the registration queue handed out during the pass")
        .isEqualTo(worked);
    assertThat(metrics.prometheusText()).contains("annex_apiservices_managed " + 2 * owners)
        .contains("annex_apiservice_queue_depth 0");
    System.out.printf("measured: %d owners steady after %d ms; %d reconciles in %d ms made %d requests, 0 writes%n",
        owners, steadyMillis, 2 * owners, passMillis, requests.size());
  }

  // ---- helpers ----

  private void assertNoWritesOverReconciles(int reconciles) throws InterruptedException {
    drainRequests();
    awaitReconciles(reconciles);
    assertThat(writes(drainRequests())).as("writes after reconciles that found nothing new").isEmpty();
  }

  private void awaitReconciles(int count) {
    awaitReconciles(count, WAIT);
  }

  private void awaitReconciles(int count, Duration within) {
    long target = metrics.reconcileCount() + count;
    await().atMost(within).until(() -> metrics.reconcileCount() >= target);
  }

  private static List<String> writes(List<RecordedRequest> requests) {
    return requests.stream().filter(r -> WRITES.contains(r.getMethod())).map(r -> r.getMethod() + " " + r.getPath())
        .toList();
  }

  private List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      requests.add(request);
    }
    return requests;
  }

  private AggregatedApi awaitCondition(String ns, String name, String type, String status, String reason) {
    await().atMost(WAIT).until(() -> {
      AggregatedApi api = fetch(ns, name);
      return api != null && api.getStatus() != null && Conditions.find(api.getStatus().conditions, type)
          .map(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false);
    });
    return fetch(ns, name);
  }

  private AggregatedApi fetch(String ns, String name) {
    return client.resources(AggregatedApi.class).inNamespace(ns).withName(name).get();
  }

  private static Condition condition(AggregatedApi api, String type) {
    return Conditions.find(api.getStatus().conditions, type).orElseThrow();
  }

  private APIService apiService(String name) {
    APIService service = client.resources(APIService.class).withName(name).get();
    assertThat(service).as("APIService %s", name).isNotNull();
    return service;
  }

  private List<String> ownedNames() {
    return client.resources(APIService.class).withLabel(Labels.MANAGED_BY, "annex").list().getItems().stream()
        .map(s -> s.getMetadata().getName()).toList();
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  private void markDeploymentReady(String ns, String name) {
    Deployment deployment = client.apps().deployments().inNamespace(ns).withName(name).get();
    deployment.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
    client.resource(deployment).updateStatus();
  }
}
