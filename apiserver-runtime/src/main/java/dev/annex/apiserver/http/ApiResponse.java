package dev.annex.apiserver.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A complete response, or a stream (watch) that writes chunks until it ends, or one still being
 * worked out on a worker thread ({@link Deferred}).
 */
public sealed interface ApiResponse {

  ObjectMapper JSON = new ObjectMapper();

  int status();

  Map<String, String> headers();

  record Full(int status, Map<String, String> headers, byte[] body) implements ApiResponse {
  }

  /** A response whose body is written later, chunk by chunk, by {@code body}. */
  record Streaming(int status, Map<String, String> headers, Consumer<ResponseStream> body) implements ApiResponse {
  }

  /**
   * A response a worker thread is still working out: the timeout filter hands the rest of the chain
   * to one, so the filters above it and the server (on Netty's event loop) never wait. It has no
   * status or headers of its own; the filters above act when it completes.
   */
  record Deferred(CompletableFuture<ApiResponse> response) implements ApiResponse {
    @Override
    public int status() {
      throw new IllegalStateException("a deferred response has no status before it completes");
    }

    @Override
    public Map<String, String> headers() {
      throw new IllegalStateException("a deferred response has no headers before it completes");
    }
  }

  /** The response, waiting for a deferred one: for callers that are not on an event loop (tests). */
  static ApiResponse await(ApiResponse response) {
    if (response instanceof Deferred deferred) {
      try {
        return await(deferred.response().join());
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    return response;
  }

  static Full json(int status, JsonNode body) {
    return json(status, body, "application/json");
  }

  static Full json(int status, JsonNode body, String contentType) {
    try {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("content-type", contentType);
      return new Full(status, headers, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /**
   * {@code head} with one more field, {@code arrayField}, holding {@code elements}: JSON that is already
   * encoded, written as it is. The bytes are those of encoding the whole tree.
   */
  static Full json(int status, ObjectNode head, List<byte[]> elements, String arrayField) {
    return json(status, head, elements, arrayField, "application/json");
  }

  static Full json(int status, ObjectNode head, List<byte[]> elements, String arrayField, String contentType) {
    try {
      byte[] start = JSON.writeValueAsBytes(head);
      byte[] field = (",\"" + arrayField + "\":[").getBytes(StandardCharsets.UTF_8);
      int size = start.length - 1 + field.length + 2 + Math.max(0, elements.size() - 1);
      for (byte[] e : elements) {
        size += e.length;
      }
      ByteBuffer body = ByteBuffer.allocate(size);
      body.put(start, 0, start.length - 1).put(field); // the head without its closing brace
      for (int i = 0; i < elements.size(); i++) {
        if (i > 0) {
          body.put((byte) ',');
        }
        body.put(elements.get(i));
      }
      body.put((byte) ']').put((byte) '}');
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("content-type", contentType);
      return new Full(status, headers, body.array());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  static Full text(int status, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "text/plain; charset=utf-8");
    return new Full(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  static Full error(StatusException e) {
    return json(e.code(), e.toStatus());
  }
}
