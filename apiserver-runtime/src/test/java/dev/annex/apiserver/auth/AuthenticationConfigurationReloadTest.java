package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.DelegatedServer;
import dev.annex.apiserver.testsupport.FakeKubeApiserver;
import dev.annex.apiserver.testsupport.FakeKubeApiserver.Answer;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.apiserver.testsupport.TestPki;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where the CAs come from and that a rotation needs no restart: the
 * {@code kube-system/extension-apiserver-authentication} ConfigMap (read at start, then watched) when
 * no CA flag is given, and the {@code --requestheader-client-ca-file} file (read again when it
 * changes) when it is.
 */
class AuthenticationConfigurationReloadTest {

  @TempDir
  Path dir;

  static int asFrontProxy(RunningServer server, TestPki.Issued frontProxy, String user) throws Exception {
    HttpResponse<String> r = server.send(server.clientWith(frontProxy), "GET", WARDLE + "/namespaces/rotation/flunders",
        null, "X-Remote-User", user);
    return r.statusCode();
  }

  static ConfigMap authenticationConfigMap(TestPki clientCa, TestPki frontProxyCa) throws Exception {
    return new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system")
        .withName("extension-apiserver-authentication").endMetadata()
        .withData(Map.of(
            "client-ca-file", TestPki.pem(clientCa.ca()),
            "requestheader-client-ca-file", TestPki.pem(frontProxyCa.ca()),
            "requestheader-allowed-names", "[\"aggregator\",\"front-proxy-client\"]",
            "requestheader-username-headers", "[\"X-Remote-User\"]",
            "requestheader-group-headers", "[\"X-Remote-Group\"]",
            "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]"))
        .build();
  }

  @Test
  void theConfigMapGivesBothCasAndARotatedFrontProxyCaIsUsedWithoutARestart() throws Exception {
    try (FakeKubeApiserver kube = new FakeKubeApiserver(); KubernetesClient admin = kube.client()) {
      kube.answerAccessReviews(spec -> Answer.status(FakeKubeApiserver.allowed(true, "")));
      TestPki clusterCa = new TestPki(dir.resolve("cluster-ca"), "kubernetes-ca");
      TestPki frontProxyCa = new TestPki(dir.resolve("front-proxy-1"), "front-proxy-ca-1");
      admin.resource(authenticationConfigMap(clusterCa, frontProxyCa)).create();
      Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
      try (RunningServer server = new RunningServer(dir.resolve("runtime"), "--authorization-mode=Delegated",
          "--client-ca-file=", "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig)) {
        TestPki.Issued oldProxy = frontProxyCa.client("front-proxy-client");
        assertThat(asFrontProxy(server, oldProxy, "alice")).isEqualTo(200);
        assertThat(asFrontProxy(server, frontProxyCa.client("intruder"), "alice")).as("not an allowed name").isEqualTo(401);

        TestPki.Issued dora = clusterCa.client("dora", "ops");
        assertThat(server.send(server.clientWith(dora), "GET", WARDLE + "/namespaces/rotation/flunders", null).statusCode())
            .isEqualTo(200);
        JsonNode last = kube.accessReviews().get(kube.accessReviews().size() - 1);
        assertThat(last.path("user").asText()).as("client-ca-file from the ConfigMap").isEqualTo("dora");

        TestPki rotated = new TestPki(dir.resolve("front-proxy-2"), "front-proxy-ca-2");
        admin.resource(authenticationConfigMap(clusterCa, rotated)).update();
        TestPki.Issued newProxy = rotated.client("aggregator");
        // The runtime's watch may start after the update, and the mock, unlike kube-apiserver, does not
        // replay what a watch missed: touch the ConfigMap again until a change reaches the runtime.
        java.util.concurrent.atomic.AtomicInteger touches = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
          if (asFrontProxy(server, newProxy, "alice") == 200) {
            return true;
          }
          var touched = authenticationConfigMap(clusterCa, rotated);
          touched.getMetadata().setAnnotations(java.util.Map.of("touch", String.valueOf(touches.incrementAndGet())));
          admin.resource(touched).update();
          return false;
        });
        assertThat(asFrontProxy(server, oldProxy, "alice")).as("the old front-proxy CA is gone").isEqualTo(401);
      }
    }
  }

  @Test
  void aRewrittenRequestHeaderCaFileIsUsedWithoutARestart() throws Exception {
    try (DelegatedServer delegated = new DelegatedServer(dir)) {
      delegated.kube().answerAccessReviews(spec -> Answer.status(FakeKubeApiserver.allowed(true, "")));
      RunningServer server = delegated.server();
      assertThat(asFrontProxy(server, delegated.frontProxy(), "alice")).isEqualTo(200);
      TestPki rotated = new TestPki(dir.resolve("front-proxy-rotated"), "front-proxy-ca-rotated");
      TestPki.Issued newProxy = rotated.client(DelegatedServer.FRONT_PROXY_CN);
      assertThat(asFrontProxy(server, newProxy, "alice")).isEqualTo(401);
      Path tmp = dir.resolve("ca.tmp");
      Files.copy(rotated.caFile(), tmp);
      Files.move(tmp, delegated.frontProxyPki().caFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> asFrontProxy(server, newProxy, "alice") == 200);
      assertThat(asFrontProxy(server, delegated.frontProxy(), "alice")).isEqualTo(401);
    }
  }
}
