package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.SSLUtils;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates reviews (TokenReview, SubjectAccessReview) on the kube-apiserver: one JSON POST each,
 * HTTP/1.1 on a kept-alive connection, written and read by the calling thread (the review pool's
 * thread of {@code DelegatedClient.call}, which keeps the overall deadline). The request path
 * waits on these whenever its cache misses (a SubjectAccessReview is asked per object name), so
 * they must be cheap: through fabric8 on the JDK's HTTP/2 client each review passed through half
 * a dozen threads and, under make bench's update load, waited 93 ms on average for an answer the
 * kube-apiserver gives Go's client in 2. Server, TLS and credentials come from the same fabric8
 * {@link Config} the rest of the delegation uses (kubeconfig or in-cluster, a rotating token read
 * per request).
 */
public final class ReviewClient implements AutoCloseable {

  /** Connections open at most (each a TLS handshake for both sides); more reviews at once wait for one. */
  static final int MAX_CONNECTIONS = 32;
  private static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Config config;
  private final String host;
  private final int port;
  private final String hostHeader;
  private final String basePath;
  private final SocketFactory sockets;
  private final boolean verifyHost;
  private final int connectTimeoutMillis;
  private final BlockingDeque<Connection> idle = new LinkedBlockingDeque<>();
  private final Semaphore open = new Semaphore(MAX_CONNECTIONS);
  private volatile boolean closed;

  public ReviewClient(Config config, Duration timeout) {
    this.config = config;
    URI server = URI.create(config.getMasterUrl());
    String path = server.getRawPath() == null ? "" : server.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    boolean tls = "https".equalsIgnoreCase(server.getScheme());
    String bracketed = server.getHost();
    this.host = bracketed.startsWith("[") ? bracketed.substring(1, bracketed.length() - 1) : bracketed; // IPv6
    this.port = server.getPort() > 0 ? server.getPort() : tls ? 443 : 80;
    this.hostHeader = server.getPort() > 0 ? bracketed + ":" + server.getPort() : bracketed;
    this.sockets = tls ? sslContext(config).getSocketFactory() : SocketFactory.getDefault();
    this.verifyHost = tls && !config.isTrustCerts() && !config.isDisableHostnameVerification();
    this.connectTimeoutMillis = (int) Math.min(timeout.toMillis(), 10_000);
  }

  private static SSLContext sslContext(Config config) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(SSLUtils.keyManagers(config), SSLUtils.trustManagers(config), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up TLS to " + config.getMasterUrl() + ": " + e.getMessage(), e);
    }
  }

  /**
   * POSTs {@code review} to {@code path} and reads the created review back as {@code type}, within
   * {@code timeout}. A refusal is a {@link KubernetesClientException} with the server's code and
   * Status, a failed connection or a timeout one with its cause, as fabric8 reports them. A kept
   * connection the server has closed meanwhile is replaced once, as Go's transport does.
   */
  public <T> T create(String path, Object review, Class<T> type, Duration timeout) {
    byte[] request = request(path, review);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!open.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new KubernetesClientException("the kube-apiserver did not answer within " + timeout
            + " (every connection to it was busy)", new TimeoutException());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while waiting for a connection to the kube-apiserver", e);
    }
    try {
      return exchange(request, deadline, timeout, type);
    } finally {
      open.release();
    }
  }

  /** Holding a permit: the review on a kept connection (at most {@link #MAX_CONNECTIONS} exist, so one is free) or a new one. */
  private <T> T exchange(byte[] request, long deadline, Duration timeout, Class<T> type) {
    for (boolean retried = false; ; retried = true) {
      Connection connection = retried ? null : idle.pollFirst(); // a retry takes a new connection
      boolean reused = connection != null;
      Answer answer;
      try {
        if (connection == null) {
          connection = open();
        }
        answer = connection.exchange(request, deadline);
      } catch (SocketTimeoutException e) {
        close(connection);
        throw new KubernetesClientException("the kube-apiserver did not answer within " + timeout, e);
      } catch (IOException e) {
        close(connection);
        if (reused && !retried) {
          continue; // most likely closed while idle: once more on a new connection
        }
        throw new KubernetesClientException("the review could not be sent to " + config.getMasterUrl() + ": "
            + e.getMessage(), e);
      }
      if (answer.keepAlive() && !closed) {
        idle.offerFirst(connection); // the most recently used first: the rest may go idle and be closed
      } else {
        close(connection);
      }
      return read(answer, type);
    }
  }

  private byte[] request(String path, Object review) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(review);
    } catch (IOException e) {
      throw new KubernetesClientException("cannot encode the review: " + e.getMessage(), e);
    }
    StringBuilder head = new StringBuilder(256)
        .append("POST ").append(basePath).append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(hostHeader).append("\r\n")
        .append("User-Agent: annex-apiserver\r\n")
        .append("Content-Type: application/json\r\nAccept: application/json\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    String authorization = authorization();
    if (authorization != null) {
      head.append("Authorization: ").append(authorization).append("\r\n");
    }
    head.append("\r\n");
    byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] request = new byte[start.length + body.length];
    System.arraycopy(start, 0, request, 0, start.length);
    System.arraycopy(body, 0, request, start.length, body.length);
    return request;
  }

  private <T> T read(Answer answer, Class<T> type) {
    if (answer.code() < 200 || answer.code() > 299) {
      throw new KubernetesClientException(status(answer));
    }
    try {
      return JSON.readValue(answer.body(), type);
    } catch (IOException e) {
      throw new KubernetesClientException("cannot read the review the kube-apiserver answered: " + e.getMessage(), e);
    }
  }

  private Connection open() throws IOException {
    Socket socket = sockets.createSocket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      if (socket instanceof SSLSocket tls) {
        if (verifyHost) {
          SSLParameters parameters = tls.getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          tls.setSSLParameters(parameters);
        }
      }
      return new Connection(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private static void close(Connection connection) {
    if (connection != null) {
      connection.close();
    }
  }

  /** The kube-apiserver's Status when it sent one, else one made from the code, as fabric8 does. */
  private static Status status(Answer answer) {
    try {
      Status status = JSON.readValue(answer.body(), Status.class);
      if ("Status".equals(status.getKind())) {
        status.setCode(answer.code());
        return status;
      }
    } catch (IOException e) {
      // not a Status: described below from the code
    }
    StatusBuilder status = new StatusBuilder().withCode(answer.code())
        .withMessage(new String(answer.body(), StandardCharsets.UTF_8));
    if (answer.retryAfter() != null && answer.retryAfter().matches("\\d+")) {
      status.withNewDetails().withRetryAfterSeconds(Integer.parseInt(answer.retryAfter())).endDetails();
    }
    return status.build();
  }

  /** The credentials of the Config: a token (read again each time from its provider), else basic auth. */
  private String authorization() {
    String token = config.getOauthTokenProvider() != null ? config.getOauthTokenProvider().getToken()
        : config.getAutoOAuthToken() != null ? config.getAutoOAuthToken() : config.getOauthToken();
    if (token != null && !token.isEmpty()) {
      return "Bearer " + token;
    }
    if (config.getUsername() != null && config.getPassword() != null) {
      return "Basic " + Base64.getEncoder().encodeToString(
          (config.getUsername() + ":" + config.getPassword()).getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  @Override
  public void close() {
    closed = true;
    for (Connection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
      c.close();
    }
  }

  private record Answer(int code, byte[] body, boolean keepAlive, String retryAfter) {
  }

  /** One kept-alive HTTP/1.1 connection, used by one review at a time. */
  private static final class Connection {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.in = new BufferedInputStream(socket.getInputStream(), 8192);
    }

    Answer exchange(byte[] request, long deadline) throws IOException {
      socket.setSoTimeout(remainingMillis(deadline));
      out.write(request);
      out.flush();
      String status = line(deadline);
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.1 answer: " + status);
      }
      int code = Integer.parseInt(parts[1]);
      long length = -1;
      boolean chunked = false;
      boolean keepAlive = parts[0].equals("HTTP/1.1");
      String retryAfter = null;
      for (String header = line(deadline); !header.isEmpty(); header = line(deadline)) {
        int colon = header.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
          case "retry-after" -> retryAfter = value;
          default -> { }
        }
      }
      byte[] body;
      if (chunked) {
        body = chunks(deadline);
      } else if (length >= 0) {
        body = exactly(length, deadline);
      } else {
        body = untilClosed(deadline);
        keepAlive = false;
      }
      return new Answer(code, body, keepAlive, retryAfter);
    }

    private byte[] chunks(long deadline) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = line(deadline);
        int extension = size.indexOf(';');
        long n = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
        if (n == 0) {
          while (!line(deadline).isEmpty()) {
            // trailers: none matter here
          }
          return body.toByteArray();
        }
        if (body.size() + n > MAX_ANSWER_BYTES) {
          throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        body.writeBytes(exactly(n, deadline));
        line(deadline); // the CRLF after the chunk
      }
    }

    private byte[] exactly(long length, long deadline) throws IOException {
      if (length > MAX_ANSWER_BYTES) {
        throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
      }
      byte[] body = new byte[(int) length];
      int read = 0;
      while (read < body.length) {
        socket.setSoTimeout(remainingMillis(deadline));
        int n = in.read(body, read, body.length - read);
        if (n < 0) {
          throw new EOFException("connection reset: the kube-apiserver closed the connection mid-answer");
        }
        read += n;
      }
      return body;
    }

    private byte[] untilClosed(long deadline) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (true) {
        socket.setSoTimeout(remainingMillis(deadline));
        int n = in.read(buffer);
        if (n < 0) {
          return body.toByteArray();
        }
        if (body.size() + n > MAX_ANSWER_BYTES) {
          throw new IOException("the answer is larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        body.write(buffer, 0, n);
      }
    }

    /** One header line without its CRLF; end of stream before it is a reset connection. */
    private String line(long deadline) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(64);
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection reset: the kube-apiserver closed the connection");
        }
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
          return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
        }
        if (line.size() > 64 * 1024) {
          throw new IOException("an answer's header line is longer than 64 KiB");
        }
        line.write(b);
        if (line.size() % 4096 == 0) {
          socket.setSoTimeout(remainingMillis(deadline));
        }
      }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("the review's time is up");
      }
      return (int) Math.min(Integer.MAX_VALUE, left);
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing: nothing left to do with it
      }
    }
  }
}
