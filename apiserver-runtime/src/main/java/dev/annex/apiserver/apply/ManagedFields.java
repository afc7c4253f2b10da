package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading, writing and validating {@code metadata.managedFields}, with upstream's rules: decoding
 * refuses an entry without a known operation, apiVersion or fieldsType; writing orders Apply
 * entries first, then by time, manager, apiVersion and subresource.
 */
public final class ManagedFields {

  /** Upstream's limit on a manager name (validation.FieldManagerMaxLength). */
  public static final int FIELD_MANAGER_MAX_LENGTH = 128;

  private ManagedFields() {
  }

  /** Thrown when entries cannot be decoded; upstream falls back to the live object's entries then. */
  public static final class DecodeException extends RuntimeException {
    DecodeException(String message) {
      super(message);
    }
  }

  /** Decodes the entries of an object; later duplicates of one owner replace earlier ones, as upstream. */
  public static Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> decode(JsonNode managedFields) {
    Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> out = new LinkedHashMap<>();
    if (managedFields == null || managedFields.isNull() || managedFields.isMissingNode()) {
      return out;
    }
    if (!managedFields.isArray()) {
      throw new DecodeException("managedFields must be a list");
    }
    int i = 0;
    for (JsonNode e : managedFields) {
      ManagedFieldsEntry entry = decodeEntry(e, i++);
      out.put(entry.key(), entry);
    }
    return out;
  }

  static ManagedFieldsEntry decodeEntry(JsonNode e, int i) {
    ManagedFieldsEntry.Operation op;
    switch (e.path("operation").asText("")) {
      case "Apply" -> op = ManagedFieldsEntry.Operation.Apply;
      case "Update" -> op = ManagedFieldsEntry.Operation.Update;
      default -> throw new DecodeException("operation must be `Apply` or `Update`");
    }
    String apiVersion = e.path("apiVersion").asText("");
    if (apiVersion.isEmpty()) {
      throw new DecodeException("apiVersion must not be empty");
    }
    String fieldsType = e.path("fieldsType").asText("");
    if (fieldsType.isEmpty()) {
      throw new DecodeException("missing fieldsType in managed fields entry " + i);
    }
    if (!fieldsType.equals("FieldsV1")) {
      throw new DecodeException("invalid fieldsType \"" + fieldsType + "\" in managed fields entry " + i);
    }
    FieldSet fields;
    try {
      fields = FieldSet.fromFieldsV1(e.get("fieldsV1"));
    } catch (IllegalArgumentException ex) {
      throw new DecodeException("error decoding versioned set from managed fields entry " + i + ": " + ex.getMessage());
    }
    Instant time = null;
    if (e.hasNonNull("time")) {
      try {
        time = Instant.parse(e.get("time").asText());
      } catch (DateTimeParseException ex) {
        throw new DecodeException("invalid time in managed fields entry " + i + ": " + e.get("time").asText());
      }
    }
    return new ManagedFieldsEntry(e.path("manager").asText(""), op, apiVersion, time, fields,
        e.path("subresource").asText(""));
  }

  /** The list kube-apiserver writes: Apply first, then oldest first, then by manager, apiVersion, subresource. */
  public static ArrayNode encode(Iterable<ManagedFieldsEntry> entries) {
    List<ManagedFieldsEntry> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(ORDER);
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    sorted.forEach(e -> a.add(e.toJson()));
    return a;
  }

  static final Comparator<ManagedFieldsEntry> ORDER = Comparator
      .comparing((ManagedFieldsEntry e) -> e.operation() != ManagedFieldsEntry.Operation.Apply)
      .thenComparing(e -> e.time() == null ? Instant.EPOCH.minusSeconds(62135596800L) : e.time())
      .thenComparing(ManagedFieldsEntry::manager)
      .thenComparing(ManagedFieldsEntry::apiVersion)
      .thenComparing(ManagedFieldsEntry::subresource);

  /** A field error as a {@code Status} cause: {@code reason}, {@code message}, {@code field}. */
  public record Cause(String reason, String message, String field) {
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("reason", reason).put("message", message).put("field", field);
      return o;
    }
  }

  /**
   * Upstream's ValidateManagedFields over the entries an object will be stored with: operation,
   * fieldsType, printable manager of at most 128 bytes, subresource of at most 256.
   */
  public static List<Cause> validate(JsonNode managedFields) {
    List<Cause> causes = new ArrayList<>();
    if (managedFields == null || !managedFields.isArray()) {
      return causes;
    }
    for (int i = 0; i < managedFields.size(); i++) {
      JsonNode e = managedFields.get(i);
      String at = "metadata.managedFields[" + i + "]";
      String op = e.path("operation").asText("");
      if (!op.equals("Apply") && !op.equals("Update")) {
        causes.add(new Cause("FieldValueInvalid", "Invalid value: " + Values.goQuote(op)
            + ": must be `Apply` or `Update`", at + ".operation"));
      }
      String ft = e.path("fieldsType").asText("");
      if (!ft.isEmpty() && !ft.equals("FieldsV1")) {
        causes.add(new Cause("FieldValueInvalid", "Invalid value: " + Values.goQuote(ft)
            + ": must be `FieldsV1`", at + ".fieldsType"));
      }
      causes.addAll(validateFieldManager(e.path("manager").asText(""), at + ".manager"));
      if (e.path("subresource").asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256) {
        causes.add(new Cause("FieldValueTooLong", "Too long: may not be more than 256 bytes", at + ".subresource"));
      }
    }
    return causes;
  }

  /** Upstream's ValidateFieldManager, for the {@code fieldManager} parameter too (field "fieldManager"). */
  public static List<Cause> validateFieldManager(String manager, String field) {
    List<Cause> causes = new ArrayList<>();
    if (manager.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > FIELD_MANAGER_MAX_LENGTH) {
      causes.add(new Cause("FieldValueTooLong", "Too long: may not be more than " + FIELD_MANAGER_MAX_LENGTH
          + " bytes", field));
    }
    int pos = 0;
    for (int i = 0; i < manager.length(); ) {
      int cp = manager.codePointAt(i);
      if (!printable(cp)) {
        causes.add(new Cause("FieldValueInvalid", "Invalid value: " + Values.goQuote(manager)
            + ": invalid character " + String.format("U+%04X", cp) + " (at position " + pos + ")", field));
      }
      pos += new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      i += Character.charCount(cp);
    }
    return causes;
  }

  /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
  static boolean printable(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
          Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
      default -> false;
    };
  }
}
