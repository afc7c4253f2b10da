package dev.annex.apiserver.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates reviews (TokenReview, SubjectAccessReview) on the kube-apiserver: one JSON POST each,
 * over HTTP/1.1 on a bounded pool of kept-alive connections served by one Netty event loop. The
 * request path waits on these calls whenever the cache misses (a SubjectAccessReview is asked per
 * object name), so they must be cheap: through fabric8's client on the JDK HTTP client a review
 * took 4 ms at 300 a second and 44 ms at 1,000, where client-go took 1.5 and 2.2 against the same
 * kube-apiserver. Server, TLS and credentials come from the same fabric8 {@link Config} the rest
 * of the delegation uses (kubeconfig or in-cluster, a rotating token read per request).
 */
public final class ReviewClient implements AutoCloseable {

  /** Connections kept to the kube-apiserver; more reviews at once wait for one (client-go multiplexes one HTTP/2 connection). */
  static final int MAX_CONNECTIONS = 32;
  private static final int MAX_WAITING = 10_000;
  private static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AttributeKey<CompletableFuture<FullHttpResponse>> PENDING = AttributeKey.valueOf("annex.review");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Config config;
  private final URI server;
  private final String basePath;
  private final EventLoopGroup loop;
  private final FixedChannelPool pool;

  public ReviewClient(Config config, Duration timeout) {
    this.config = config;
    this.server = URI.create(config.getMasterUrl());
    String path = server.getRawPath() == null ? "" : server.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    boolean tls = "https".equalsIgnoreCase(server.getScheme());
    String bracketed = server.getHost();
    String host = bracketed.startsWith("[") ? bracketed.substring(1, bracketed.length() - 1) : bracketed; // IPv6
    int port = server.getPort() > 0 ? server.getPort() : tls ? 443 : 80;
    SslContext ssl = tls ? sslContext(config) : null;
    boolean verifyHost = !config.isTrustCerts() && !config.isDisableHostnameVerification();
    this.loop = new MultiThreadIoEventLoopGroup(1, r -> {
      Thread t = new Thread(r, "delegated-review-io-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, NioIoHandler.newFactory());
    Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .remoteAddress(host, port)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 10_000))
        .option(ChannelOption.TCP_NODELAY, true);
    this.pool = new FixedChannelPool(bootstrap, new AbstractChannelPoolHandler() {
      @Override
      public void channelCreated(Channel ch) {
        if (ssl != null) {
          SslHandler handler = ssl.newHandler(ch.alloc(), host, port);
          if (verifyHost) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
          }
          ch.pipeline().addLast(handler);
        }
        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_ANSWER_BYTES), new AnswerHandler());
      }
    }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL, timeout.toMillis(), MAX_CONNECTIONS,
        MAX_WAITING, true, true);
  }

  private static SslContext sslContext(Config config) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient();
      TrustManager[] trust = SSLUtils.trustManagers(config);
      if (trust != null && trust.length > 0) {
        builder.trustManager(trust[0]);
      }
      KeyManager[] keys = SSLUtils.keyManagers(config);
      if (keys != null && keys.length > 0) {
        builder.keyManager(keys[0]);
      }
      return builder.build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up TLS to " + config.getMasterUrl() + ": " + e.getMessage(), e);
    }
  }

  /**
   * POSTs {@code review} to {@code path} and reads the created review back as {@code type}; waits at
   * most {@code timeout}. A refusal is a {@link KubernetesClientException} with the server's code
   * and Status, a failed connection one with its cause, as fabric8 reports them.
   */
  public <T> T create(String path, Object review, Class<T> type, Duration timeout) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(review);
    } catch (IOException e) {
      throw new KubernetesClientException("cannot encode the review: " + e.getMessage(), e);
    }
    FullHttpResponse response = exchange(path, body, timeout);
    try {
      int code = response.status().code();
      byte[] answer = new byte[response.content().readableBytes()];
      response.content().readBytes(answer);
      if (code < 200 || code > 299) {
        throw new KubernetesClientException(status(code, answer, response.headers().get(HttpHeaderNames.RETRY_AFTER)));
      }
      return JSON.readValue(answer, type);
    } catch (IOException e) {
      throw new KubernetesClientException("cannot read the review the kube-apiserver answered: " + e.getMessage(), e);
    } finally {
      response.release();
    }
  }

  private FullHttpResponse exchange(String path, byte[] body, Duration timeout) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, basePath + path,
        Unpooled.wrappedBuffer(body));
    request.headers()
        .set(HttpHeaderNames.HOST, server.getPort() > 0 ? server.getHost() + ":" + server.getPort() : server.getHost())
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.USER_AGENT, "annex-apiserver")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    String authorization = authorization();
    if (authorization != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    CompletableFuture<Channel> acquired = new CompletableFuture<>();
    pool.acquire().addListener(f -> {
      if (!f.isSuccess()) {
        acquired.completeExceptionally(f.cause());
        answer.completeExceptionally(f.cause());
        return;
      }
      Channel ch = (Channel) f.getNow();
      acquired.complete(ch);
      if (answer.isDone()) { // timed out while waiting for a connection
        pool.release(ch);
        return;
      }
      ch.attr(PENDING).set(answer);
      ch.writeAndFlush(request).addListener(w -> {
        if (!w.isSuccess()) {
          answer.completeExceptionally(w.cause());
          ch.close();
        }
      });
      answer.whenComplete((r, failure) -> {
        ch.attr(PENDING).set(null);
        if (failure != null || r == null || !HttpUtil.isKeepAlive(r)) {
          ch.close();
        }
        pool.release(ch);
      });
    });
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // the late answer must not reach the next review on this connection
      acquired.thenAccept(Channel::close);
      answer.completeExceptionally(e);
      throw new KubernetesClientException("the kube-apiserver did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer.cancel(false);
      throw new KubernetesClientException("interrupted while waiting for the kube-apiserver", e);
    } catch (ExecutionException e) {
      throw new KubernetesClientException("the review could not be sent to " + config.getMasterUrl() + ": "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  /** The kube-apiserver's Status when it sent one, else one made from the code, as fabric8 does. */
  private static Status status(int code, byte[] answer, String retryAfter) {
    try {
      Status status = JSON.readValue(answer, Status.class);
      if ("Status".equals(status.getKind())) {
        status.setCode(code);
        return status;
      }
    } catch (IOException e) {
      // not a Status: described below from the code
    }
    StatusBuilder status = new StatusBuilder().withCode(code)
        .withMessage(new String(answer, StandardCharsets.UTF_8));
    if (retryAfter != null && retryAfter.matches("\\d+")) {
      status.withNewDetails().withRetryAfterSeconds(Integer.parseInt(retryAfter)).endDetails();
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
    pool.close();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Hands the one answer a connection is waiting for to its review; anything else closes the connection. */
  private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      CompletableFuture<FullHttpResponse> pending = ctx.channel().attr(PENDING).getAndSet(null);
      if (pending != null && pending.complete(response.retain())) {
        return;
      }
      if (pending != null) {
        response.release(); // the retain above: the review stopped waiting
      }
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail(ctx, new IOException("connection reset: the kube-apiserver closed the connection"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx, cause instanceof SSLException ? cause : new IOException(cause.getMessage(), cause));
      ctx.close();
    }

    private static void fail(ChannelHandlerContext ctx, Throwable cause) {
      CompletableFuture<FullHttpResponse> pending = ctx.channel().attr(PENDING).getAndSet(null);
      if (pending != null) {
        pending.completeExceptionally(cause);
      }
    }
  }
}
