package dev.annex.apiserver.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.status.StatusException;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Serves the pre-serialised discovery documents. {@code /apis} answers the aggregated document when
 * the Accept list asks for {@code as=APIGroupDiscoveryList} (v2, or v2beta1 for older clients) with
 * an ETag, and 304 Not Modified when {@code If-None-Match} carries it (the aggregator re-fetches it
 * every minute); otherwise the APIGroupList.
 */
public final class DiscoveryHandler {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, byte[]> legacy = new LinkedHashMap<>();
  private final Map<String, byte[]> aggregated = new LinkedHashMap<>();
  private final Map<String, String> etags = new LinkedHashMap<>();

  public DiscoveryHandler(ApiDefinition api) {
    DiscoveryDocuments docs = new DiscoveryDocuments(api);
    docs.byPath().forEach((path, doc) -> legacy.put(path, bytes(doc)));
    for (String v : new String[] {"v2", "v2beta1"}) {
      byte[] body = bytes(docs.aggregated(v));
      aggregated.put(v, body);
      etags.put(v, DiscoveryDocuments.etag(body));
    }
  }

  /** Whether this handler answers {@code path}. */
  public boolean serves(String path) {
    return legacy.containsKey(stripSlash(path));
  }

  public ApiResponse handle(ApiRequest request) {
    String path = stripSlash(request.path());
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      throw new StatusException(405, "MethodNotAllowed", "the server does not allow this method on the requested "
          + "resource", null);
    }
    if (path.equals("/apis")) {
      String version = aggregatedVersion(request.header("accept"));
      if (version != null) {
        String etag = etags.get(version);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList");
        headers.put("etag", etag);
        headers.put("vary", "Accept");
        if (etag.equals(request.header("if-none-match"))) {
          return new ApiResponse.Full(304, headers, new byte[0]);
        }
        return new ApiResponse.Full(200, headers, aggregated.get(version));
      }
    }
    byte[] body = legacy.get(path);
    if (body == null) {
      throw StatusException.pathNotFound();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("vary", "Accept");
    return new ApiResponse.Full(200, headers, body);
  }

  /** The first aggregated discovery version the Accept list asks for, or null for the legacy document. */
  static String aggregatedVersion(String accept) {
    if (accept == null) {
      return null;
    }
    for (String entry : accept.split(",")) {
      String e = entry.replace(" ", "").toLowerCase(Locale.ROOT);
      if (!e.contains("as=apigroupdiscoverylist") || !e.contains("g=apidiscovery.k8s.io")) {
        if (e.startsWith("application/json") || e.startsWith("*/*")) {
          return null;
        }
        continue;
      }
      if (e.contains("v=v2beta1")) {
        return "v2beta1";
      }
      if (e.contains("v=v2;") || e.endsWith("v=v2")) {
        return "v2";
      }
    }
    return null;
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static byte[] bytes(ObjectNode doc) {
    try {
      return JSON.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
