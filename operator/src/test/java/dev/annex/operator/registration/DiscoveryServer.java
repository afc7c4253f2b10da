package dev.annex.operator.registration;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TLS server on loopback that answers discovery GETs the way an aggregated API server would, with a
 * status the test chooses: enough for the operator's probe to tell up, down and misconfigured apart.
 */
public final class DiscoveryServer implements AutoCloseable {
  private final HttpsServer server;
  private final AtomicInteger status = new AtomicInteger(200);

  private DiscoveryServer(HttpsServer server) {
    this.server = server;
  }

  /** Serves {@code certificate} (issued by {@code ca}) on {@code port} (0: any free one). */
  public static DiscoveryServer start(int port, X509Certificate certificate, PrivateKey key, X509Certificate ca)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = "test".toCharArray();
    store.setKeyEntry("serving", key, password, new Certificate[] {certificate, ca});
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    DiscoveryServer discovery = new DiscoveryServer(server);
    server.createContext("/apis/", exchange -> {
      byte[] body = "{\"kind\":\"APIResourceList\",\"resources\":[]}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(discovery.status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return discovery;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The status every later discovery GET gets. */
  public void respondWith(int code) {
    status.set(code);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
