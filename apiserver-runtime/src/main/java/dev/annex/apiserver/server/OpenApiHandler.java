package dev.annex.apiserver.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.openapi.OpenApiDocuments;
import dev.annex.apiserver.status.StatusException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Serves {@code /openapi/v2}, {@code /openapi/v3} and {@code /openapi/v3/apis/<group>/<version>} as
 * JSON with an ETag (304 on {@code If-None-Match}); the documents are built once from the schemas.
 */
final class OpenApiHandler implements Handler {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OpenApiDocuments documents;
  private final Map<String, byte[]> cache = new java.util.concurrent.ConcurrentHashMap<>();

  OpenApiHandler(OpenApiDocuments documents) {
    this.documents = documents;
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    String path = request.path();
    Optional<ObjectNode> doc;
    if (path.equals("/openapi/v2")) {
      doc = Optional.of(documents.v2());
    } else if (path.equals("/openapi/v3") || path.equals("/openapi/v3/")) {
      doc = Optional.of(documents.v3Index());
    } else {
      String[] parts = path.split("/");
      // /openapi/v3/apis/<group>/<version>
      doc = parts.length == 6 && parts[3].equals("apis") ? documents.v3(parts[4], parts[5]) : Optional.empty();
    }
    if (doc.isEmpty()) {
      throw StatusException.pathNotFound();
    }
    byte[] body = cache.computeIfAbsent(path, p -> bytes(doc.get()));
    String etag = etag(body);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("etag", etag);
    headers.put("vary", "Accept");
    if (etag.equals(request.header("if-none-match"))) {
      return new ApiResponse.Full(304, headers, new byte[0]);
    }
    return new ApiResponse.Full(200, headers, body);
  }

  private static byte[] bytes(ObjectNode doc) {
    try {
      return JSON.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static String etag(byte[] body) {
    try {
      return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(body)).toUpperCase() + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is always available", e);
    }
  }
}
