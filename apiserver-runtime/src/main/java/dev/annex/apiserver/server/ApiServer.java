package dev.annex.apiserver.server;

import dev.annex.apiserver.http.Handler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The listening socket and each connection's pipeline: TLS, then ALPN picks HTTP/2 (one child
 * channel per stream, up to {@code maxStreams} at once) or HTTP/1.1; either way the body is
 * aggregated up to the limit and handed to the {@link RequestDispatcher}.
 */
public final class ApiServer implements AutoCloseable {

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel channel;
  private final RequestDispatcher dispatcher;

  private ApiServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel, RequestDispatcher dispatcher) {
    this.boss = boss;
    this.workers = workers;
    this.channel = channel;
    this.dispatcher = dispatcher;
  }

  public static ApiServer start(String bindAddress, int port, Supplier<SslContext> tls, Handler handler,
                                long maxBodyBytes, int maxStreams, RequestMetrics metrics)
      throws InterruptedException {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    RequestDispatcher dispatcher = new RequestDispatcher(handler, metrics);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(tls.get().newHandler(ch.alloc()), new Alpn(dispatcher, maxBodyBytes, maxStreams));
          }
        });
    try {
      Channel channel = bootstrap.bind(new InetSocketAddress(bindAddress, port)).sync().channel();
      return new ApiServer(boss, workers, channel, dispatcher);
    } catch (InterruptedException | RuntimeException e) {
      boss.shutdownGracefully();
      workers.shutdownGracefully();
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Requests read and not yet answered: a watch counts until its response head is written. */
  public int unansweredRequests() {
    return dispatcher.unanswered();
  }

  /** Closes the listening socket: no new connections; open ones are served until {@link #close()}. */
  public void stopListening() {
    channel.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Sets up the pipeline for the protocol the client and server agreed on during the handshake. */
  private static final class Alpn extends ApplicationProtocolNegotiationHandler {
    private static final WriteBufferWaterMark H2_WRITE_BUFFER = new WriteBufferWaterMark(1 << 20, 2 << 20);
    private final RequestDispatcher dispatcher;
    private final long maxBodyBytes;
    private final int maxStreams;

    Alpn(RequestDispatcher dispatcher, long maxBodyBytes, int maxStreams) {
      super(ApplicationProtocolNames.HTTP_1_1);
      this.dispatcher = dispatcher;
      this.maxBodyBytes = maxBodyBytes;
      this.maxStreams = maxStreams;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      ChannelPipeline p = ctx.pipeline();
      if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
        // HTTP/2's flow controller hands the socket only what fits below the high-water mark, then
        // waits for it to drain and tells every stream twice; one change to 1,000 watches of this
        // connection is ~0.5 MiB (wardle's Flunder), which Netty's 64 KiB default cut into eight rounds
        ctx.channel().config().setWriteBufferWaterMark(H2_WRITE_BUFFER);
        p.addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams))
                .build(),
            new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                    new RequestBodyLimit(maxBodyBytes), dispatcher);
              }
            }));
      } else {
        p.addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new RequestBodyLimit(maxBodyBytes), dispatcher);
      }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a failed handshake (bad client certificate, plain HTTP) is the client's problem, not a log line
    }
  }
}
