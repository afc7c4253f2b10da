package dev.annex.apiserver.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.annex.apiserver.status.StatusException;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** A complete response, or a stream (watch) that writes chunks until it ends. */
public sealed interface ApiResponse {

  ObjectMapper JSON = new ObjectMapper();

  int status();

  Map<String, String> headers();

  record Full(int status, Map<String, String> headers, byte[] body) implements ApiResponse {
  }

  /** A response whose body is written later, chunk by chunk, by {@code body}. */
  record Streaming(int status, Map<String, String> headers, Consumer<ResponseStream> body) implements ApiResponse {
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

  static Full text(int status, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "text/plain; charset=utf-8");
    return new Full(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  static Full error(StatusException e) {
    return json(e.code(), e.toStatus());
  }
}
