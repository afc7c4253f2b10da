package dev.annex.operator.registration;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The operator's own check of a backend, made the way the kube-aggregator checks an APIService: a
 * GET of {@code /apis/<group>/<version>} over TLS that trusts only the APIService's caBundle and
 * verifies the serving certificate for {@code <service>.<namespace>.svc}, with a 5 s timeout; only a
 * 2xx passes. Probes run off the reconcile thread; a changed verdict re-triggers the owner. Reads
 * only: nothing here writes to the cluster.
 * <p>
 * The aggregator probes as {@code system:kube-aggregator} through its front-proxy certificate; the
 * operator has no such certificate, so it sends its own bearer token when it has one: a runtime
 * that delegates authorization lets any authenticated user GET discovery ({@code system:discovery}),
 * where an anonymous probe would be refused with 403.
 */
public final class DiscoveryProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiscoveryProbe.class);
  public static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** How soon a failing backend is probed again. */
  static final Duration FAILED_RECHECK = Duration.ofSeconds(5);

  /** Where to connect, which name the certificate must carry, what to trust, which paths to GET. */
  public record Target(String host, int port, String serverName, String caPem, List<String> paths) {
  }

  /** {@code status} is "True" or "False"; reasons {@code Passed} or {@code FailedDiscoveryCheck}, as the aggregator's. */
  public record Verdict(String status, String reason, String message) {
  }

  private record Entry(Target target, Verdict verdict, Instant checkedAt, boolean running) {
  }

  private final Clock clock;
  private final Duration interval;
  private final Map<ResourceID, Entry> entries = new ConcurrentHashMap<>();
  private final ScheduledExecutorService pool;
  private final Supplier<Optional<String>> bearerToken;
  private volatile Consumer<ResourceID> onChange = owner -> { };

  public DiscoveryProbe(Clock clock, Duration interval, int threads) {
    this(clock, interval, threads, Optional::empty);
  }

  /** As above; {@code bearerToken} is asked for at each probe (a projected token rotates). */
  public DiscoveryProbe(Clock clock, Duration interval, int threads, Supplier<Optional<String>> bearerToken) {
    this.clock = clock;
    this.interval = interval;
    this.bearerToken = bearerToken;
    this.pool = Executors.newScheduledThreadPool(threads, r -> {
      Thread t = new Thread(r, "annex-discovery-probe");
      t.setDaemon(true);
      return t;
    });
  }

  public void onChange(Consumer<ResourceID> listener) {
    this.onChange = listener;
  }

  /**
   * The last verdict for this target, if any; starts a probe when there is none, the target changed
   * or the verdict is older than the interval.
   */
  public Optional<Verdict> verdict(ResourceID owner, Target target) {
    boolean[] start = {false};
    Entry entry = entries.compute(owner, (k, e) -> {
      boolean sameTarget = e != null && e.target().equals(target);
      if (sameTarget && (e.running() || e.checkedAt().plus(interval).isAfter(clock.instant()))) {
        return e;
      }
      start[0] = true;
      return new Entry(target, sameTarget ? e.verdict() : null, sameTarget ? e.checkedAt() : Instant.EPOCH, true);
    });
    if (start[0]) {
      submit(owner, target);
    }
    return Optional.ofNullable(entry.verdict());
  }

  public void forget(ResourceID owner) {
    entries.remove(owner);
  }

  private void submit(ResourceID owner, Target target) {
    try {
      pool.execute(() -> {
        Verdict verdict = probe(target, bearerToken.get());
        Verdict[] before = {null};
        Entry after = entries.computeIfPresent(owner, (k, e) -> {
          if (!e.target().equals(target)) {
            return e;
          }
          before[0] = e.verdict();
          return new Entry(target, verdict, clock.instant(), false);
        });
        if (after != null && after.verdict() == verdict && !verdict.equals(before[0])) {
          log.info("backend probe owner={} status={} reason={} message=\"{}\"", owner, verdict.status(),
              verdict.reason(), verdict.message());
          onChange.accept(owner);
        }
        if (after != null && after.verdict() == verdict) {
          scheduleNext(owner, target, "True".equals(verdict.status()) ? interval : min(interval, FAILED_RECHECK));
        }
      });
    } catch (RejectedExecutionException e) {
      entries.remove(owner);
    }
  }

  /**
   * Probes the same target again after the interval (a failing one sooner, so a backend that comes
   * up is seen within seconds), whether or not anything reconciles the owner meanwhile; stops once
   * the owner is forgotten or its target changed.
   */
  private void scheduleNext(ResourceID owner, Target target, Duration after) {
    try {
      pool.schedule(() -> {
        boolean[] start = {false};
        entries.computeIfPresent(owner, (k, e) -> {
          if (!e.target().equals(target) || e.running()) {
            return e;
          }
          start[0] = true;
          return new Entry(target, e.verdict(), e.checkedAt(), true);
        });
        if (start[0]) {
          submit(owner, target);
        }
      }, after.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** GETs every path anonymously; the first that fails decides. */
  public static Verdict probe(Target target) {
    return probe(target, Optional.empty());
  }

  /** GETs every path, with the bearer token when there is one; the first that fails decides. */
  public static Verdict probe(Target target, Optional<String> bearerToken) {
    for (String path : target.paths()) {
      String url = "https://" + target.serverName() + ":" + target.port() + path;
      try {
        int code = get(target, path, bearerToken);
        if (code < 200 || code >= 300) {
          return new Verdict("False", "FailedDiscoveryCheck", "bad status from " + url + ": " + code);
        }
      } catch (IOException | GeneralSecurityException e) {
        return new Verdict("False", "FailedDiscoveryCheck", "failing or missing response from " + url
            + " (dialed " + target.host() + ":" + target.port() + "): " + describe(e));
      }
    }
    return new Verdict("True", "Passed", "the operator's discovery GET of " + String.join(", ", target.paths())
        + " on " + target.serverName() + ":" + target.port() + " passed");
  }

  private static int get(Target target, String path, Optional<String> bearerToken)
      throws IOException, GeneralSecurityException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust(target.caPem()).getTrustManagers(), null);
    try (Socket plain = dial(target.host(), target.port(), deadline)) {
      plain.setSoTimeout(remainingMillis(deadline));
      // The name given here, not the address dialled, is what the certificate is verified against.
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, target.serverName(),
          target.port(), false)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        socket.setSoTimeout(remainingMillis(deadline));
        OutputStream out = socket.getOutputStream();
        String authorization = bearerToken.map(t -> "Authorization: Bearer " + t + "\r\n").orElse("");
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + target.serverName() + "\r\nAccept: application/json\r\n"
            + authorization + "User-Agent: annex-operator\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
            .readLine();
        if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
          throw new IOException("no HTTP response");
        }
        String[] parts = statusLine.split(" ");
        return Integer.parseInt(parts[1]);
      }
    }
  }

  /**
   * Tries each address of the host in turn, as Go's dialer does: {@code localhost} resolves to ::1
   * and 127.0.0.1, and a runtime bound to one of them must still be found.
   */
  private static Socket dial(String host, int port, long deadline) throws IOException {
    IOException last = null;
    for (java.net.InetAddress address : java.net.InetAddress.getAllByName(host)) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, port), remainingMillis(deadline));
        return socket;
      } catch (IOException e) {
        socket.close();
        last = e;
      }
    }
    throw last != null ? last : new java.net.UnknownHostException(host);
  }

  private static int remainingMillis(long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new java.net.SocketTimeoutException("timed out after " + TIMEOUT.toSeconds() + "s");
    }
    return (int) left;
  }

  private static TrustManagerFactory trust(String caPem) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (Certificate certificate : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
      store.setCertificateEntry("ca-" + i++, certificate);
    }
    if (i == 0) {
      throw new GeneralSecurityException("the caBundle holds no certificate");
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory;
  }

  private static String describe(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? message : e.getClass().getSimpleName() + ": " + message;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
