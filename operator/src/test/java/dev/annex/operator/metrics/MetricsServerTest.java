package dev.annex.operator.metrics;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class MetricsServerTest {

  @Test
  void servesReconcileCountersAsPrometheusTextAndHealth() throws Exception {
    ReconcileMetrics metrics = new ReconcileMetrics();
    metrics.timeControllerExecution(execution("reconcile", "patchStatus"));
    metrics.timeControllerExecution(execution("reconcile", "noUpdate"));
    AtomicBoolean healthy = new AtomicBoolean(true);
    try (MetricsServer server = new MetricsServer(0, metrics, healthy::get)) {
      HttpClient http = HttpClient.newHttpClient();
      var response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(response.body())
          .contains("# TYPE annex_controller_executions_total counter")
          .contains("annex_controller_executions_total{controller=\"aggregatedapi\",execution=\"reconcile\",result=\"noUpdate\"} 1")
          .contains("annex_controller_executions_total{controller=\"aggregatedapi\",execution=\"reconcile\",result=\"patchStatus\"} 1");
      assertThat(metrics.reconcileCount()).isEqualTo(2);

      var health = URI.create("http://localhost:" + server.port() + "/healthz");
      assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      healthy.set(false);
      assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
    }
  }

  private static Metrics.ControllerExecution<String> execution(String name, String result) {
    return new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String controllerName() {
        return "aggregatedapi";
      }

      @Override
      public String successTypeName(String value) {
        return value;
      }

      @Override
      public io.javaoperatorsdk.operator.processing.event.ResourceID resourceID() {
        return new io.javaoperatorsdk.operator.processing.event.ResourceID("wardle", "wardle");
      }

      @Override
      public java.util.Map<String, Object> metadata() {
        return java.util.Map.of();
      }

      @Override
      public String execute() {
        return result;
      }
    };
  }
}
