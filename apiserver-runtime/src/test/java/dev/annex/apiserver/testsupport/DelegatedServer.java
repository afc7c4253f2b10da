package dev.annex.apiserver.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime as the operator deploys it, delegating to a {@link FakeKubeApiserver}: TokenReview and
 * SubjectAccessReview against it, the kube-apiserver's client CA ({@code --client-ca-file}) and a
 * separate front-proxy CA ({@code --requestheader-client-ca-file}) allowing the CN
 * {@code front-proxy-client}, as a kube-apiserver started with the aggregation flags has them.
 * Reviews time out after 5 s (a loaded test machine's first review can take a second).
 */
public final class DelegatedServer implements AutoCloseable {

  public static final String FRONT_PROXY_CN = "front-proxy-client";

  private final FakeKubeApiserver kube;
  private final TestPki frontProxyPki;
  private final TestPki.Issued frontProxy;
  private final RunningServer server;

  public DelegatedServer(Path dir, String... extraFlags) throws Exception {
    this.kube = new FakeKubeApiserver();
    try {
      this.frontProxyPki = new TestPki(dir.resolve("front-proxy"), "front-proxy-ca");
      this.frontProxy = frontProxyPki.client(FRONT_PROXY_CN);
      Path kubeconfig = kube.writeKubeconfig(dir.resolve("delegation.kubeconfig"));
      List<String> flags = new ArrayList<>(List.of("--authorization-mode=Delegated",
          "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
          "--requestheader-client-ca-file=" + frontProxyPki.caFile(),
          "--requestheader-allowed-names=" + FRONT_PROXY_CN, "--delegated-review-timeout=5s"));
      flags.addAll(List.of(extraFlags));
      this.server = new RunningServer(dir, flags.toArray(String[]::new));
    } catch (Exception | Error e) {
      kube.close();
      throw e;
    }
  }

  public FakeKubeApiserver kube() {
    return kube;
  }

  public RunningServer server() {
    return server;
  }

  public TestPki frontProxyPki() {
    return frontProxyPki;
  }

  /** The aggregator's front-proxy client certificate (CN front-proxy-client, from the front-proxy CA). */
  public TestPki.Issued frontProxy() {
    return frontProxy;
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      kube.close();
    }
  }
}
