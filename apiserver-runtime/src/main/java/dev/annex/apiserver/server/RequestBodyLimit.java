package dev.annex.apiserver.server;

import dev.annex.apiserver.status.StatusException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * Aggregates a request body up to the limit (3 MiB by default, as kube-apiserver's
 * {@code MaxRequestBodyBytes}) and answers a larger one with 413 and a RequestEntityTooLarge
 * Status, before any filter sees it.
 */
final class RequestBodyLimit extends HttpObjectAggregator {

  private final long limit;

  RequestBodyLimit(long limit) {
    super((int) Math.min(Integer.MAX_VALUE, limit));
    this.limit = limit;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    byte[] body = StatusException.requestEntityTooLarge(limit).toStatus().toString().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel) {
      // An HTTP/2 stream: the aggregator drops the rest of the body, and the connection stays up for
      // every other stream on it (clients such as the JDK's read the answer only once they sent it all).
      ctx.writeAndFlush(response);
      return;
    }
    // HTTP/1.1: the rest of the body is still on its way; closing is the only way not to read it.
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
