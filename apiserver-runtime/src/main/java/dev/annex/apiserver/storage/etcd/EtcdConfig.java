package dev.annex.apiserver.storage.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How to reach etcd, from kube-apiserver's flags: {@code --etcd-servers}, {@code --etcd-prefix},
 * {@code --etcd-cafile}/{@code --etcd-certfile}/{@code --etcd-keyfile} and
 * {@code --etcd-compaction-interval}; {@code requestTimeout} bounds every call, so a request fails
 * with 503/504 instead of hanging while etcd is away.
 */
public record EtcdConfig(List<String> servers, String prefix, Path caFile, Path certFile, Path keyFile,
                         Duration compactionInterval, Duration requestTimeout) {

  public static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /**
   * kube-apiserver's etcd health check: a read of {@code <prefix>/health} answered within
   * {@code timeout}; the exception says why not.
   */
  public static void ping(Client client, String prefix, Duration timeout) throws Exception {
    try {
      client.getKVClient().get(ByteSequence.from(prefix + "/health", StandardCharsets.UTF_8))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException("etcd did not answer within " + timeout.toMillis() + "ms");
    } catch (ExecutionException e) {
      throw new IllegalStateException("etcd is unreachable: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** A jetcd client for these servers; calls are not retried past the request timeout. */
  public Client connect() throws SSLException {
    ClientBuilder builder = Client.builder()
        .endpoints(servers.toArray(String[]::new))
        .connectTimeout(Duration.ofSeconds(2))
        // a dead connection is noticed within seconds, so watches resume and readiness fails early
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(Duration.ofSeconds(5))
        .retryMaxDuration(requestTimeout)
        // fail a call at once while the connection is down (503) instead of queueing it until the timeout
        .waitForReady(false)
        .maxInboundMessageSize(256 * 1024 * 1024); // large lists, as kube-apiserver allows
    if (caFile != null || certFile != null) {
      builder.sslContext((SslContextBuilder ssl) -> {
        if (caFile != null) {
          ssl.trustManager(caFile.toFile());
        }
        if (certFile != null) {
          ssl.keyManager(certFile.toFile(), keyFile.toFile());
        }
      });
    }
    return builder.build();
  }
}
