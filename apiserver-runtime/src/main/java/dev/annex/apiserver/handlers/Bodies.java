package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.status.StatusException;

import java.io.IOException;
import java.util.Locale;

/**
 * Decodes a request body (JSON or YAML) into an object of the resource, with kube-apiserver's
 * answers for bodies it cannot use: malformed input, a wrong apiVersion or kind (400 BadRequest).
 */
final class Bodies {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Bodies() {
  }

  static String mediaType(ApiRequest request) {
    String ct = request.header("content-type");
    if (ct == null || ct.isBlank()) {
      return "application/json";
    }
    int semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  /** The body as a tree, from JSON or YAML. */
  static JsonNode tree(ApiRequest request) {
    String mediaType = mediaType(request);
    boolean yaml = mediaType.equals("application/yaml") || mediaType.equals("application/x-yaml")
        || mediaType.equals("text/yaml");
    if (!yaml && !mediaType.startsWith("application/json") && !mediaType.endsWith("+json")) {
      throw new StatusException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
          + "accepted media types include: application/json, application/yaml", null);
    }
    try {
      JsonNode node = (yaml ? YAML : JSON).readTree(request.body());
      if (node == null || node.isMissingNode()) {
        throw StatusException.badRequest("Object 'Kind' is missing in ''");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw StatusException.badRequest((yaml ? "error converting YAML to JSON: " : "")
          + "couldn't get version/kind; json parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw StatusException.badRequest(e.getMessage());
    }
  }

  /** An object of the resource: apiVersion and kind must name the URL's group, version and kind. */
  static ObjectNode object(ApiRequest request, ResourceStore store) {
    JsonNode node = tree(request);
    if (!node.isObject()) {
      throw StatusException.badRequest("couldn't get version/kind; json parse error: json: cannot unmarshal "
          + node.getNodeType().name().toLowerCase(Locale.ROOT) + " into Go value of type struct { APIVersion string "
          + "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }");
    }
    ObjectNode object = (ObjectNode) node;
    String kind = object.path("kind").asText("");
    if (kind.isEmpty()) {
      throw StatusException.badRequest("Object 'Kind' is missing in '" + abbreviated(request) + "'");
    }
    RequestInfo info = request.requestInfo();
    String expected = info.apiGroup() + "/" + info.apiVersion();
    String apiVersion = object.path("apiVersion").asText("");
    if (!apiVersion.equals(expected)) {
      throw StatusException.badRequest("the API version in the data (" + apiVersion
          + ") does not match the expected API version (" + expected + ")");
    }
    if (!kind.equals(store.resource().kind())) {
      throw StatusException.badRequest("the kind in the data (" + kind + ") does not match the expected kind ("
          + store.resource().kind() + ")");
    }
    if (object.has("metadata") && !object.get("metadata").isObject()) {
      throw StatusException.badRequest("json: cannot unmarshal " + object.get("metadata").getNodeType().name()
          .toLowerCase(Locale.ROOT) + " into Go struct field Object.metadata of type v1.ObjectMeta");
    }
    return object;
  }

  private static String abbreviated(ApiRequest request) {
    String text = request.bodyText();
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
