package dev.annex.apiserver.server;

import dev.annex.apiserver.http.ApiResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * A watch over WebSocket, as kube-apiserver also serves it (clients such as fabric8 watch this way
 * only): after the HTTP/1.1 upgrade every event is one text message, and the server ends the watch
 * with a close frame.
 */
final class WebSocketStream extends RequestDispatcher.ChannelStream {

  private WebSocketStream(ChannelHandlerContext ctx) {
    super(ctx.channel());
  }

  static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, ApiResponse.Streaming streaming) {
    if (streaming.status() != 200) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    String location = "wss://" + request.headers().get("host", "localhost") + request.uri();
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, "*", false, 1 << 20)
        .newHandshaker(request);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    // Whatever the client sends after the upgrade is a control frame: answer pings, honour a close.
    ctx.pipeline().addLast(new SimpleChannelInboundHandler<WebSocketFrame>() {
      @Override
      protected void channelRead0(ChannelHandlerContext c, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
          handshaker.close(c.channel(), close.retain());
        } else if (frame instanceof PingWebSocketFrame) {
          c.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        }
      }
    });
    handshaker.handshake(ctx.channel(), request).addListener(f -> {
      if (f.isSuccess()) {
        streaming.body().accept(new WebSocketStream(ctx));
      } else {
        ctx.close();
      }
    });
  }

  @Override
  Object frame(byte[] chunk) {
    int length = chunk.length > 0 && chunk[chunk.length - 1] == '\n' ? chunk.length - 1 : chunk.length;
    return new TextWebSocketFrame(Unpooled.wrappedBuffer(chunk, 0, length));
  }

  @Override
  Object last() {
    return new CloseWebSocketFrame(1000, "watch ended");
  }

}
