package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One field error, as k8s.io/apimachinery's {@code field.Error}: its type, the field path
 * ({@code spec.items[0].name}), the bad value and a detail. {@link #body()} and {@link #message()}
 * print it exactly as kube-apiserver does, because clients and users compare these texts.
 *
 * @param badValue the offending value; {@link #OMITTED} when upstream prints none
 */
public record FieldError(Type type, String field, JsonNode badValue, String detail) {

  /** Marks a bad value upstream leaves out of the message (e.g. {@code Too many} with no count). */
  public static final JsonNode OMITTED = MissingNode.getInstance();

  /** The error types of {@code field.ErrorType}: the cause reason and the words printed for it. */
  public enum Type {
    NotFound("FieldValueNotFound", "Not found"),
    Required("FieldValueRequired", "Required value"),
    Duplicate("FieldValueDuplicate", "Duplicate value"),
    Invalid("FieldValueInvalid", "Invalid value"),
    NotSupported("FieldValueNotSupported", "Unsupported value"),
    Forbidden("FieldValueForbidden", "Forbidden"),
    TooLong("FieldValueTooLong", "Too long"),
    TooMany("FieldValueTooMany", "Too many"),
    TooFew("FieldValueTooFew", "Too few"),
    Internal("InternalError", "Internal error"),
    TypeInvalid("FieldValueTypeInvalid", "Invalid value"),
    TooShort("FieldValueTooShort", "Too short");

    private final String reason;
    private final String words;

    Type(String reason, String words) {
      this.reason = reason;
      this.words = words;
    }

    /** The {@code reason} of a Status cause, e.g. {@code FieldValueRequired}. */
    public String reason() {
      return reason;
    }

    /** How the type reads in a message, e.g. {@code Required value}. */
    public String words() {
      return words;
    }
  }

  public FieldError {
    detail = detail == null ? "" : detail;
    badValue = badValue == null ? JsonNodeFactory.instance.nullNode() : badValue;
  }

  public static FieldError required(String field, String detail) {
    return new FieldError(Type.Required, field, TextNode.valueOf(""), detail);
  }

  public static FieldError invalid(String field, JsonNode value, String detail) {
    return new FieldError(Type.Invalid, field, value, detail);
  }

  public static FieldError typeInvalid(String field, JsonNode value, String detail) {
    return new FieldError(Type.TypeInvalid, field, value, detail);
  }

  public static FieldError forbidden(String field, String detail) {
    return new FieldError(Type.Forbidden, field, TextNode.valueOf(""), detail);
  }

  public static FieldError duplicate(String field, JsonNode value) {
    return new FieldError(Type.Duplicate, field, value, "");
  }

  /** {@code field.NotSupported}: the detail lists the supported values, each quoted. */
  public static FieldError notSupported(String field, JsonNode value, List<String> supported) {
    String detail = supported.isEmpty() ? ""
        : "supported values: " + supported.stream().map(GoText::quote).collect(Collectors.joining(", "));
    return new FieldError(Type.NotSupported, field, value, detail);
  }

  /** {@code field.TooLong}: the value is never printed, only the limit in bytes. */
  public static FieldError tooLong(String field, long maxLength) {
    String detail = maxLength >= 0
        ? "may not be more than " + maxLength + (maxLength == 1 ? " byte" : " bytes")
        : "value is too long";
    return new FieldError(Type.TooLong, field, TextNode.valueOf("<value omitted>"), detail);
  }

  /** {@code field.TooMany}: the actual count (omitted when unknown) and the limit in items. */
  public static FieldError tooMany(String field, long actual, long max) {
    String detail = max >= 0 ? "must have at most " + max + (max == 1 ? " item" : " items") : "has too many items";
    JsonNode value = actual >= 0 ? JsonNodeFactory.instance.numberNode(actual) : OMITTED;
    return new FieldError(Type.TooMany, field, value, detail);
  }

  /** {@code ErrorBody()}: the message without the field, as a Status cause carries it. */
  public String body() {
    String s = switch (type) {
      case Required, Forbidden, TooLong, TooShort, Internal -> type.words();
      default -> badValue.isMissingNode() ? type.words() : type.words() + ": " + printed(badValue);
    };
    return detail.isEmpty() ? s : s + ": " + detail;
  }

  /** {@code Error()}: {@code field: body}, as in a 422's message. */
  public String message() {
    return field + ": " + body();
  }

  /** The {@code Status.details.causes[]} entry kube-apiserver writes for this error. */
  public ObjectNode toStatusCause() {
    ObjectNode cause = JsonNodeFactory.instance.objectNode();
    cause.put("reason", type.reason());
    cause.put("message", body());
    cause.put("field", field);
    return cause;
  }

  @Override
  public String toString() {
    return message();
  }

  private static String printed(JsonNode value) {
    if (value.isTextual()) {
      return GoText.quote(value.asText());
    }
    if (value.isNumber()) {
      return GoText.number(value);
    }
    if (value.isBoolean()) {
      return Boolean.toString(value.asBoolean());
    }
    return GoText.json(value);
  }
}
