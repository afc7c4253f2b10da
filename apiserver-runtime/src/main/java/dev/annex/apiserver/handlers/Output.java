package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.status.StatusException;
import dev.annex.apiserver.tables.TableConverter;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Content negotiation for resource responses: the first entry of the Accept list this server can
 * produce wins (JSON, YAML, {@code as=Table}, {@code as=PartialObjectMetadata[List]}); protobuf and
 * unknown entries are skipped, and only a list with nothing producible is a 406.
 */
final class Output {

  static final String TABLE_MEDIA_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  enum Form { JSON, YAML, TABLE, PARTIAL_METADATA }

  private Output() {
  }

  static Form negotiate(ApiRequest request) {
    String accept = request.header("accept");
    if (accept == null || accept.isBlank()) {
      return Form.JSON;
    }
    for (String entry : accept.split(",")) {
      String[] parts = entry.trim().split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].trim().split("=", 2);
        if (kv.length == 2) {
          params.put(kv[0].trim(), kv[1].trim());
        }
      }
      String as = params.get("as");
      if (type.equals("application/json") && as != null) {
        boolean meta = "meta.k8s.io".equals(params.get("g")) && ("v1".equals(params.get("v")) || "v1beta1".equals(params.get("v")));
        if (meta && as.equals("Table")) {
          return Form.TABLE;
        }
        if (meta && (as.equals("PartialObjectMetadata") || as.equals("PartialObjectMetadataList"))) {
          return Form.PARTIAL_METADATA;
        }
        continue;
      }
      switch (type) {
        case "application/json", "application/*", "*/*", "application/json-patch+json" -> {
          return Form.JSON;
        }
        case "application/yaml" -> {
          return Form.YAML;
        }
        default -> { }
      }
    }
    throw StatusException.notAcceptable();
  }

  static ApiResponse object(ResourceRequest rr, int status, ObjectNode object, List<String> warnings) {
    rr.inRequestedVersion(object);
    Form form = negotiate(rr.http());
    ApiResponse.Full response = switch (form) {
      case JSON -> ApiResponse.json(status, object);
      case YAML -> yaml(status, object);
      case TABLE -> ApiResponse.json(status, table(rr, List.of(object), null), TABLE_MEDIA_TYPE);
      case PARTIAL_METADATA -> ApiResponse.json(status, partial(object),
          "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io");
    };
    return withWarnings(response, warnings);
  }

  static ApiResponse list(ResourceRequest rr, ResourceStore.ListPage page) {
    Form form = negotiate(rr.http());
    ObjectNode listMeta = listMetadata(page);
    // Objects the store keeps encoded (the watch cache, the memory backend) are sent from those bytes,
    // never copied or encoded again.
    boolean kept = page.encoded() != null;
    if (form == Form.TABLE) {
      if (kept && storedAsRequested(rr, page.encoded())) {
        ObjectNode head = rr.served().tables().head();
        head.set("metadata", listMeta);
        return ApiResponse.json(200, head, rr.served().tables().encodedRows(page.encoded(), includeObject(rr)), "rows",
            TABLE_MEDIA_TYPE);
      }
      return ApiResponse.json(200, table(rr, page.items(), listMeta), TABLE_MEDIA_TYPE);
    }
    ObjectNode list = JsonNodeFactory.instance.objectNode();
    ArrayNode items;
    if (form == Form.PARTIAL_METADATA) {
      list.put("kind", "PartialObjectMetadataList").put("apiVersion", "meta.k8s.io/v1");
      list.set("metadata", listMeta);
      String contentType = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";
      if (kept) {
        return ApiResponse.json(200, list, page.encoded().stream().map(TableConverter::partialObjectMetadataJson).toList(),
            "items", contentType);
      }
      items = list.putArray("items");
      page.items().forEach(o -> items.add(partial(o)));
      return ApiResponse.json(200, list, contentType);
    }
    list.put("apiVersion", rr.group() + "/" + rr.version()).put("kind", rr.store().resource().listKind());
    list.set("metadata", listMeta);
    if (form == Form.JSON && kept && storedAsRequested(rr, page.encoded())) {
      return ApiResponse.json(200, list, page.encoded().stream().map(ListResult.Encoded::json).toList(), "items");
    }
    items = list.putArray("items");
    page.items().forEach(o -> items.add(rr.inRequestedVersion(o)));
    return form == Form.YAML ? yaml(200, list) : ApiResponse.json(200, list);
  }

  /** Whether every item already reads as the client's version shows it, so its stored JSON can be sent as it is. */
  private static boolean storedAsRequested(ResourceRequest rr, List<ListResult.Encoded> items) {
    String apiVersion = rr.group() + "/" + rr.version();
    String kind = rr.store().resource().kind();
    for (ListResult.Encoded item : items) {
      if (!apiVersion.equals(item.apiVersion()) || !kind.equals(item.kind())) {
        return false;
      }
    }
    return true;
  }

  static ObjectNode listMetadata(ResourceStore.ListPage page) {
    ObjectNode meta = JsonNodeFactory.instance.objectNode();
    meta.put("resourceVersion", Long.toString(page.resourceVersion()));
    if (page.continueToken() != null) {
      meta.put("continue", page.continueToken());
    }
    if (page.remainingItemCount() != null) {
      meta.put("remainingItemCount", page.remainingItemCount());
    }
    return meta;
  }

  /** A Table of the objects; {@code listMeta} null for a single object (the Table then has empty metadata). */
  static ObjectNode table(ResourceRequest rr, List<ObjectNode> objects, ObjectNode listMeta) {
    objects.forEach(rr::inRequestedVersion);
    ObjectNode table = rr.served().tables().convert(objects, includeObject(rr));
    table.set("metadata", listMeta == null ? JsonNodeFactory.instance.objectNode() : listMeta);
    return table;
  }

  /** The request's {@code includeObject}, Metadata when not given; anything else is a 400 as kube-apiserver's. */
  private static String includeObject(ResourceRequest rr) {
    String include = rr.http().param("includeObject");
    if (include == null || include.isEmpty()) {
      return "Metadata";
    }
    if (!List.of("None", "Metadata", "Object").contains(include)) {
      throw StatusException.badRequest("includeObject: Unsupported value: \"" + include
          + "\": supported values: \"Metadata\", \"None\", \"Object\"");
    }
    return include;
  }

  static ObjectNode partial(ObjectNode object) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    p.set("metadata", object.path("metadata").deepCopy());
    return p;
  }

  static ApiResponse.Full yaml(int status, JsonNode body) {
    try {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("content-type", "application/yaml");
      return new ApiResponse.Full(status, headers, YAML.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  static ApiResponse.Full withWarnings(ApiResponse.Full response, List<String> warnings) {
    if (warnings.isEmpty()) {
      return response;
    }
    Map<String, String> headers = new LinkedHashMap<>(response.headers());
    headers.put("warning", String.join(", ", warnings.stream()
        .map(w -> "299 - \"" + w.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList()));
    return new ApiResponse.Full(response.status(), headers, response.body());
  }
}
