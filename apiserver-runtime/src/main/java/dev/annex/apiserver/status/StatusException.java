package dev.annex.apiserver.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A failed request as kube-apiserver reports it: a {@code meta.k8s.io/v1 Status} with code, reason,
 * message and details. Thrown anywhere below the handlers and written as the response body.
 */
public class StatusException extends RuntimeException {

  private final int code;
  private final String reason;
  private final ObjectNode details;

  public StatusException(int code, String reason, String message, ObjectNode details) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  /** The {@code Status} object for the response body. */
  public ObjectNode toStatus() {
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", getMessage()).put("reason", reason);
    if (details != null) {
      status.set("details", details);
    }
    status.put("code", code);
    return status;
  }

  /** {@code details} naming the object, as every per-object error carries. */
  public static ObjectNode details(String name, String group, String kind) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    if (name != null && !name.isEmpty()) {
      d.put("name", name);
    }
    if (group != null) {
      d.put("group", group);
    }
    d.put("kind", kind);
    return d;
  }

  /** {@code "flunders.wardle.example.com"}: the resource as errors name it. */
  public static String qualified(String resource, String group) {
    return group == null || group.isEmpty() ? resource : resource + "." + group;
  }

  public static StatusException notFound(String resource, String group, String name) {
    return new StatusException(404, "NotFound",
        qualified(resource, group) + " \"" + name + "\" not found", details(name, group, resource));
  }

  public static StatusException alreadyExists(String resource, String group, String name) {
    return new StatusException(409, "AlreadyExists",
        qualified(resource, group) + " \"" + name + "\" already exists", details(name, group, resource));
  }

  public static StatusException conflict(String resource, String group, String name, String why) {
    return new StatusException(409, "Conflict",
        "Operation cannot be fulfilled on " + qualified(resource, group) + " \"" + name + "\": " + why,
        details(name, group, resource));
  }

  /** 422 Invalid: {@code Kind.group "name" is invalid: ...} with one cause per field error. */
  public static StatusException invalid(String kind, String group, String name, String message, List<ObjectNode> causes) {
    ObjectNode d = details(name, group, kind);
    ArrayNode array = d.putArray("causes");
    causes.forEach(array::add);
    return new StatusException(422, "Invalid", message, d);
  }

  public static StatusException badRequest(String message) {
    return new StatusException(400, "BadRequest", message, null);
  }

  public static StatusException methodNotSupported(String resource, String group, String verb) {
    return new StatusException(405, "MethodNotAllowed",
        verb + " is not supported on resources of kind \"" + qualified(resource, group) + "\"",
        details(null, group, resource));
  }

  public static StatusException pathNotFound() {
    return new StatusException(404, "NotFound", "the server could not find the requested resource", null);
  }

  public static StatusException gone(String message) {
    return new StatusException(410, "Expired", message, null);
  }

  public static StatusException unsupportedMediaType(String contentType) {
    return new StatusException(415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
            + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"
            + (contentType == null ? "" : ""), null);
  }

  public static StatusException notAcceptable() {
    return new StatusException(406, "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml, "
            + "application/json;as=Table;v=v1;g=meta.k8s.io", null);
  }

  public static StatusException requestEntityTooLarge(long limit) {
    return new StatusException(413, "RequestEntityTooLarge",
        "Request entity too large: limit is " + limit, null);
  }

  /**
   * 403 as apimachinery's {@code NewForbidden} words it: {@code <resource>.<group> "<name>" is forbidden: <why>},
   * without the name when there is none, and {@code forbidden: <why>} when no resource is involved.
   */
  public static StatusException forbidden(String resource, String group, String name, String why) {
    String message;
    if (resource.isEmpty() && group.isEmpty()) {
      message = "forbidden: " + why;
    } else if (name.isEmpty()) {
      message = qualified(resource, group) + " is forbidden: " + why;
    } else {
      message = qualified(resource, group) + " \"" + name + "\" is forbidden: " + why;
    }
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    if (!name.isEmpty()) {
      d.put("name", name);
    }
    if (!group.isEmpty()) {
      d.put("group", group);
    }
    if (!resource.isEmpty()) {
      d.put("kind", resource);
    }
    return new StatusException(403, "Forbidden", message, d);
  }

  /** 429 as apimachinery's {@code NewTooManyRequests}: the caller sets {@code Retry-After} to the same seconds. */
  public static StatusException tooManyRequests(String message, int retryAfterSeconds) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    d.put("retryAfterSeconds", retryAfterSeconds);
    return new StatusException(429, "TooManyRequests", message, d);
  }

  /** 504 as apimachinery's {@code NewTimeoutError(message, 0)}. */
  public static StatusException timeout(String message) {
    return new StatusException(504, "Timeout", "Timeout: " + message, JsonNodeFactory.instance.objectNode());
  }

  public static StatusException unauthorized() {
    return new StatusException(401, "Unauthorized", "Unauthorized", null);
  }

  /** 503: the storage cannot be reached; retrying later may succeed. */
  public static StatusException serviceUnavailable(String message) {
    return new StatusException(503, "ServiceUnavailable", message,
        JsonNodeFactory.instance.objectNode().put("retryAfterSeconds", 1));
  }

  /** 504 from storage: no answer in time; a write may still have happened, as kube-apiserver's message says. */
  public static StatusException storageTimeout(String message) {
    return new StatusException(504, "Timeout", "The server was unable to return a response in the time allotted, "
        + "but may still be processing the request (" + message + ")",
        JsonNodeFactory.instance.objectNode().put("retryAfterSeconds", 1));
  }

  public static StatusException internal(String message) {
    return new StatusException(500, "InternalError",
        "Internal error occurred: " + message, null);
  }
}
