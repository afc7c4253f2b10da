package dev.annex.apiserver.storage.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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

  /** A jetcd client for these servers; calls are not retried past the request timeout. */
  public Client connect() throws SSLException {
    ClientBuilder builder = Client.builder()
        .endpoints(servers.toArray(String[]::new))
        .connectTimeout(Duration.ofSeconds(2))
        // a dead connection is noticed within seconds, so watches resume and readiness fails early
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(Duration.ofSeconds(5))
        .retryMaxDuration(requestTimeout)
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
