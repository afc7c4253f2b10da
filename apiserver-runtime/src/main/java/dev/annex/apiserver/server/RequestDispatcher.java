package dev.annex.apiserver.server;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.ResponseStream;
import dev.annex.apiserver.status.StatusException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLPeerUnverifiedException;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns an aggregated Netty request (an HTTP/1.1 connection's or an HTTP/2 stream's) into an
 * {@link ApiRequest}, runs the handler chain, and writes the response on the channel's event loop:
 * complete, or as a chunked stream for watches. The chain starts here, on the event loop, and its
 * timeout filter moves the rest (which may wait for a TokenReview or a SubjectAccessReview) to a
 * worker thread, answering with a {@link ApiResponse.Deferred} that is written when it completes:
 * the event loop never waits. An HTTP/1.1 connection reads its next request only once this one is
 * answered, so responses keep their order.
 */
@ChannelHandler.Sharable
final class RequestDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {

  private final Handler handler;
  private final RequestMetrics metrics;
  /** Requests read and not yet answered: a full response until it is written, a watch until its head is. */
  private final AtomicInteger unanswered = new AtomicInteger();

  RequestDispatcher(Handler handler, RequestMetrics metrics) {
    this.handler = handler;
    this.metrics = metrics;
  }

  /** How many requests are read and not yet answered (graceful shutdown waits for none). */
  int unanswered() {
    return unanswered.get();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
    long start = System.nanoTime();
    QueryStringDecoder uri = new QueryStringDecoder(msg.uri());
    Map<String, List<String>> headers = new HashMap<>();
    msg.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
        .add(h.getValue()));
    ApiRequest request = new ApiRequest(msg.method().name(), uri.path(), uri.parameters(), headers,
        ByteBufUtil.getBytes(msg.content()), peerCertificates(ctx.channel()), remoteAddress(ctx.channel()));
    boolean keepAlive = HttpUtil.isKeepAlive(msg);
    boolean head = msg.method().equals(HttpMethod.HEAD);
    boolean http1 = !(ctx.channel() instanceof Http2StreamChannel);
    if (http1) {
      ctx.channel().config().setAutoRead(false);
    }
    msg.retain(); // the WebSocket handshake reads it after this method returns
    unanswered.incrementAndGet(); // until respond() has written the answer
    ApiResponse response = handle(request);
    if (response instanceof ApiResponse.Deferred deferred) {
      deferred.response().whenComplete((done, failure) -> {
        ApiResponse answer = failure == null ? done
            : ApiResponse.error(StatusException.internal(String.valueOf(failure.getMessage())));
        if (ctx.executor().inEventLoop()) {
          respond(ctx, msg, request, answer, keepAlive, head, http1, start);
        } else {
          ctx.executor().execute(() -> respond(ctx, msg, request, answer, keepAlive, head, http1, start));
        }
      });
    } else {
      respond(ctx, msg, request, response, keepAlive, head, http1, start);
    }
  }

  private ApiResponse handle(ApiRequest request) {
    try {
      return handler.handle(request);
    } catch (RuntimeException | Error e) {
      // the chain's panic recovery answers failures; this only catches one below it escaping
      return ApiResponse.error(StatusException.internal(String.valueOf(e.getMessage())));
    }
  }

  private void respond(ChannelHandlerContext ctx, FullHttpRequest msg, ApiRequest request, ApiResponse response,
                       boolean keepAlive, boolean head, boolean http1, long start) {
    boolean answeredLater = false;
    try {
      metrics.record(request.method(), request.requestInfo(), response.status(), System.nanoTime() - start);
      if (response instanceof ApiResponse.Full full) {
        writeFull(ctx, full, keepAlive, head).addListener(written -> unanswered.decrementAndGet());
        answeredLater = true;
      } else if (response instanceof ApiResponse.Streaming streaming) {
        ApiResponse.Streaming counted = countWatch(request, streaming);
        if (http1 && "websocket".equalsIgnoreCase(msg.headers().get(HttpHeaderNames.UPGRADE))) {
          WebSocketStream.upgrade(ctx, msg, counted);
        } else {
          writeStream(ctx, counted);
        }
      }
    } finally {
      if (!answeredLater) {
        unanswered.decrementAndGet();
      }
      msg.release();
      if (http1) {
        ctx.channel().config().setAutoRead(true);
      }
    }
  }

  /** The same stream, counted in apiserver_longrunning_requests while it is open. */
  private ApiResponse.Streaming countWatch(ApiRequest request, ApiResponse.Streaming streaming) {
    if (request.requestInfo() == null || !request.requestInfo().resourceRequest()) {
      return streaming;
    }
    return new ApiResponse.Streaming(streaming.status(), streaming.headers(), stream -> {
      stream.onClose(metrics.watchStarted(request.requestInfo()));
      streaming.body().accept(stream);
    });
  }

  private static ChannelFuture writeFull(ChannelHandlerContext ctx, ApiResponse.Full full, boolean keepAlive, boolean head) {
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(full.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(full.body()));
    full.headers().forEach((k, v) -> out.headers().set(k, v));
    out.headers().set("cache-control", "no-cache, private");
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, full.body().length); // HEAD too: the length GET would send
    HttpUtil.setKeepAlive(out, keepAlive);
    return ctx.writeAndFlush(out).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
  }

  private static void writeStream(ChannelHandlerContext ctx, ApiResponse.Streaming streaming) {
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(streaming.status()));
    streaming.headers().forEach((k, v) -> out.headers().set(k, v));
    out.headers().set("cache-control", "no-cache, private");
    out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.writeAndFlush(out);
    boolean http1 = !(ctx.channel() instanceof Http2StreamChannel);
    streaming.body().accept(http1 ? new ChunkStream(ctx.channel()) : new MultiplexedStream(ctx.channel()));
  }

  private static String remoteAddress(Channel channel) {
    Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
    return connection.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
  }

  /** The client's certificate chain (not verified by the handshake: the authenticators do that), from the TLS handler of the connection (the parent of an h2 stream). */
  private static List<X509Certificate> peerCertificates(Channel channel) {
    Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
    SslHandler ssl = connection.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return List.of();
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // connection-level failures (reset, TLS alert): nothing to answer
  }

  /** A streamed body on one channel; ends with the last chunk, or when the client goes away. */
  static class ChannelStream implements ResponseStream {
    final Channel channel;
    final AtomicBoolean ended = new AtomicBoolean();
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();

    ChannelStream(Channel channel) {
      this.channel = channel;
      channel.closeFuture().addListener(f -> closed());
    }

    @Override
    public void send(byte[] chunk) {
      if (!ended.get()) {
        // no future: nothing waits for one event's write, and 1,000 watchers took 1,000 promises and listeners per event
        channel.writeAndFlush(frame(chunk), channel.voidPromise());
      }
    }

    /** One chunk as the transport carries it: HTTP content here, a WebSocket message for an upgraded watch. */
    Object frame(byte[] chunk) {
      return new DefaultHttpContent(Unpooled.wrappedBuffer(chunk));
    }

    Object last() {
      return LastHttpContent.EMPTY_LAST_CONTENT;
    }

    @Override
    public void end() {
      if (ended.compareAndSet(false, true)) {
        writeLast();
        runCloseActions();
      }
    }

    void writeLast() {
      channel.writeAndFlush(last());
    }

    private void closed() {
      ended.set(true);
      runCloseActions();
    }

    private void runCloseActions() {
      timers.forEach(t -> t.cancel(false));
      for (Runnable r : onClose) {
        if (onClose.remove(r)) {
          r.run();
        }
      }
    }

    @Override
    public void onClose(Runnable action) {
      onClose.add(action);
      if (ended.get()) {
        runCloseActions();
      }
    }

    @Override
    public void schedule(long millis, Runnable action) {
      if (!ended.get()) {
        timers.add(channel.eventLoop().schedule(() -> {
          if (!ended.get()) {
            action.run();
          }
        }, millis, TimeUnit.MILLISECONDS));
      }
    }
  }

  /** A streamed body on an HTTP/2 stream: its frames go out through the connection's shared write queue. */
  static final class MultiplexedStream extends ChannelStream {
    private final ConnectionWriter connection;

    MultiplexedStream(Channel stream) {
      super(stream);
      this.connection = ConnectionWriter.of(stream);
    }

    @Override
    public void send(byte[] chunk) {
      if (!ended.get()) {
        connection.write(channel, frame(chunk));
      }
    }

    @Override
    void writeLast() {
      connection.write(channel, last()); // behind the frames still queued
    }
  }

  /**
   * A streamed body on an HTTP/1.1 connection, whose chunks the watch cache hands every watcher of
   * an event at once: the chunk ({@code <size>\r\n<event>\r\n}) is framed once per event on the
   * delivering thread and written below the HTTP encoder, straight to TLS, so 1,000 watchers do not
   * each frame it and merge three buffers. The end still passes the encoder ({@code 0\r\n\r\n}),
   * which keeps its state: it never saw the chunks.
   */
  static final class ChunkStream extends ChannelStream {
    private static final ThreadLocal<Framed> LAST = new ThreadLocal<>();
    private final ChannelHandlerContext belowHttp;

    private record Framed(byte[] body, byte[] chunk) {
    }

    ChunkStream(Channel channel) {
      super(channel);
      this.belowHttp = channel.pipeline().context(HttpServerCodec.class);
    }

    @Override
    public void send(byte[] body) {
      if (body.length > 0 && !ended.get()) { // an empty chunk would end the stream
        belowHttp.writeAndFlush(Unpooled.wrappedBuffer(chunk(body)), channel.voidPromise());
      }
    }

    static byte[] chunk(byte[] body) {
      Framed last = LAST.get();
      if (last != null && last.body() == body) {
        return last.chunk();
      }
      byte[] size = (Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] chunk = new byte[size.length + body.length + 2];
      System.arraycopy(size, 0, chunk, 0, size.length);
      System.arraycopy(body, 0, chunk, size.length, body.length);
      chunk[chunk.length - 2] = '\r';
      chunk[chunk.length - 1] = '\n';
      LAST.set(new Framed(body, chunk));
      return chunk;
    }
  }
}
