package dev.annex.apiserver.tables;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.definition.Resource.PrinterColumn;
import dev.annex.apiserver.schema.GoText;
import dev.annex.apiserver.storage.ListResult;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns objects of one resource into the {@code meta.k8s.io/v1 Table} kube-apiserver serves for a
 * CRD ({@code apiextensions-apiserver/pkg/registry/customresource/tableconvertor}): a Name column,
 * then the resource's {@code additionalPrinterColumns} (an Age column when there are none), one row
 * per object with its cells and, per {@code includeObject}, nothing, its PartialObjectMetadata, or
 * the object itself.
 */
public final class TableConverter {

  /** ObjectMeta's field docs, which kube-apiserver uses as the Name and default Age descriptions. */
  static final String NAME_DESCRIPTION = "Name must be unique within a namespace. Is required when creating resources, "
      + "although some resources may allow a client to request the generation of an appropriate name automatically. "
      + "Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. "
      + "More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
  static final String CREATION_TIMESTAMP_DESCRIPTION = "CreationTimestamp is a timestamp representing the server time "
      + "when this object was created. It is not guaranteed to be set in happens-before order across separate "
      + "operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\n"
      + "Populated by the system. Read-only. Null for lists. "
      + "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte[] ROW_CELLS = bytes("{\"cells\":");
  private static final byte[] ROW_OBJECT = bytes(",\"object\":");
  private static final byte[] NULL = bytes("null");
  private static final Instant ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");
  private static final byte[] PARTIAL_HEAD = bytes("{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private record Column(PrinterColumn definition, JsonPath path) {
  }

  private final List<Column> columns;
  private final Clock clock;

  public TableConverter(Resource resource) {
    this(resource, Clock.systemUTC());
  }

  /** @param clock what "now" is for Age-like (date) columns; tests pass a fixed one */
  public TableConverter(Resource resource, Clock clock) {
    this.clock = clock;
    List<PrinterColumn> definitions = resource.printerColumns().isEmpty()
        ? List.of(new PrinterColumn("Age", "date", "", CREATION_TIMESTAMP_DESCRIPTION, 0, ".metadata.creationTimestamp"))
        : resource.printerColumns();
    List<Column> cols = new ArrayList<>();
    for (PrinterColumn c : definitions) {
      cols.add(new Column(c, JsonPath.parse(c.jsonPath())));
    }
    this.columns = List.copyOf(cols);
  }

  /**
   * The Table for these objects.
   *
   * @param includeObject {@code None}, {@code Metadata} (the default when null or empty) or {@code Object}
   * @throws IllegalArgumentException for any other includeObject, worded as kube-apiserver's field error
   */
  public ObjectNode convert(List<ObjectNode> objects, String includeObject) {
    String include = include(includeObject);
    ObjectNode table = head();
    ArrayNode rows = table.putArray("rows");
    Instant now = clock.instant();
    for (ObjectNode object : objects) {
      ObjectNode row = rows.addObject();
      row.set("cells", cells(object, now));
      switch (include) {
        case "Object" -> row.set("object", object);
        case "Metadata" -> row.set("object", partialObjectMetadata(object));
        default -> row.putNull("object");
      }
    }
    return table;
  }

  /**
   * The rows {@link #convert} makes for these stored objects, byte for byte, each as its JSON: the
   * cells read from the stored object (never changed, never copied) and the row's object spliced
   * from the kept encodings. The objects must already read as the client's version.
   */
  public List<byte[]> encodedRows(List<ListResult.Encoded> objects, String includeObject) {
    String include = include(includeObject);
    Instant now = clock.instant();
    List<byte[]> rows = new ArrayList<>(objects.size());
    ByteArrayOutputStream row = new ByteArrayOutputStream();
    for (ListResult.Encoded object : objects) {
      row.reset();
      row.writeBytes(ROW_CELLS);
      List<Object> cells = object.derived(this, this::cellTemplate);
      for (int i = 0; i < cells.size(); i++) {
        row.write(i == 0 ? '[' : ',');
        if (cells.get(i) instanceof Instant then) {
          row.writeBytes(encode(JSON.textNode(HumanDuration.of(Duration.between(then, now)))));
        } else {
          row.writeBytes((byte[]) cells.get(i));
        }
      }
      row.write(']');
      row.writeBytes(ROW_OBJECT);
      switch (include) {
        case "Object" -> row.writeBytes(object.json());
        case "Metadata" -> {
          row.writeBytes(PARTIAL_HEAD);
          row.writeBytes(object.metadataJson());
          row.write('}');
        }
        default -> row.writeBytes(NULL);
      }
      row.write('}');
      rows.add(row.toByteArray());
    }
    return rows;
  }

  /**
   * An object's cells as far as they do not depend on the time, kept with the object until it
   * changes: each cell's JSON, or for a date cell the time whose age it shows. Reading the cells
   * walked each object's tree on every list, and that (memory the list otherwise never touches)
   * was a third of a Table list's CPU.
   */
  private List<Object> cellTemplate(ObjectNode object) {
    List<Object> template = new ArrayList<>(columns.size() + 1);
    template.add(encode(JSON.textNode(object.path("metadata").path("name").asText(""))));
    for (Column c : columns) {
      List<JsonNode> results = c.path().find(object);
      JsonNode value = results.isEmpty() ? null : results.get(0);
      if (value != null && value.isTextual() && c.definition().type().equals("date")) {
        Object shown = dateCell(value.asText());
        template.add(shown instanceof Instant ? shown : encode(JSON.textNode((String) shown)));
      } else {
        template.add(value == null ? NULL : encode(cell(c.definition().type(), value, null)));
      }
    }
    return List.copyOf(template);
  }

  /** The Table without rows: kind, apiVersion, an empty metadata to fill and the column definitions. */
  public ObjectNode head() {
    ObjectNode table = JSON.objectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata");
    table.set("columnDefinitions", columnDefinitions());
    return table;
  }

  private static String include(String includeObject) {
    String include = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
    if (!List.of("None", "Metadata", "Object").contains(include)) {
      // kube-apiserver answers 400 "Unable to convert to Table as requested: " + this message.
      throw new IllegalArgumentException("includeObject: Invalid value: " + GoText.quote(include)
          + ": must be 'Metadata', 'Object', 'None', or empty");
    }
    return include;
  }

  /** {@code columnDefinitions}: Name first, then the printer columns, every field present as upstream. */
  public ArrayNode columnDefinitions() {
    ArrayNode defs = JSON.arrayNode();
    defs.addObject().put("name", "Name").put("type", "string").put("format", "name")
        .put("description", NAME_DESCRIPTION).put("priority", 0);
    for (Column c : columns) {
      PrinterColumn d = c.definition();
      String description = d.description().isEmpty()
          ? "Custom resource definition column (in JSONPath format): " + d.jsonPath()
          : d.description();
      defs.addObject().put("name", d.name()).put("type", d.type()).put("format", d.format())
          .put("description", description).put("priority", d.priority());
    }
    return defs;
  }

  /** A {@code meta.k8s.io/v1 PartialObjectMetadata} of the object, as {@code includeObject=Metadata} embeds. */
  public static ObjectNode partialObjectMetadata(ObjectNode object) {
    ObjectNode partial = JSON.objectNode();
    partial.put("kind", "PartialObjectMetadata");
    partial.put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.path("metadata").isObject() ? object.get("metadata").deepCopy() : JSON.objectNode());
    return partial;
  }

  /** {@link #partialObjectMetadata} of a stored object, as JSON made from its kept metadata encoding. */
  public static byte[] partialObjectMetadataJson(ListResult.Encoded object) {
    byte[] metadata = object.metadataJson();
    byte[] json = new byte[PARTIAL_HEAD.length + metadata.length + 1];
    System.arraycopy(PARTIAL_HEAD, 0, json, 0, PARTIAL_HEAD.length);
    System.arraycopy(metadata, 0, json, PARTIAL_HEAD.length, metadata.length);
    json[json.length - 1] = '}';
    return json;
  }

  private static byte[] encode(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private ArrayNode cells(ObjectNode object, Instant now) {
    ArrayNode cells = JSON.arrayNode();
    cells.add(object.path("metadata").path("name").asText(""));
    for (Column c : columns) {
      List<JsonNode> results = c.path().find(object);
      if (results.isEmpty()) {
        cells.addNull();
        continue;
      }
      cells.add(cell(c.definition().type(), results.get(0), now));
    }
    return cells;
  }

  /** One cell, typed as the column says; a value of another type is an empty (null) cell, as upstream. */
  static JsonNode cell(String type, JsonNode value, Instant now) {
    if (value == null || value.isNull()) {
      return JSON.nullNode();
    }
    switch (type) {
      case "string":
        return JSON.textNode(printed(value));
      case "integer":
        return value.isNumber() ? JSON.numberNode(value.asLong()) : JSON.nullNode();
      case "number":
        if (!value.isNumber()) {
          return JSON.nullNode();
        }
        double d = value.asDouble();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? JSON.numberNode((long) d) : JSON.numberNode(d);
      case "boolean":
        return value.isBoolean() ? value : JSON.nullNode();
      case "date":
        return value.isTextual() ? JSON.textNode(age(value.asText(), now)) : JSON.nullNode();
      default:
        return JSON.nullNode();
    }
  }

  /** client-go's JSONPath printing: strings as they are, numbers as Go's {@code %v}, the rest as JSON. */
  private static String printed(JsonNode value) {
    if (value.isTextual()) {
      return value.asText();
    }
    if (value.isNumber() || value.isBoolean()) {
      return value.isNumber() ? GoText.number(value) : value.asText();
    }
    return GoText.json(value);
  }

  /**
   * The form every stored {@code metav1.Time} has ({@code 2006-01-02T15:04:05Z}) read by hand, null
   * for any other: a Table of 1,000 objects parses 1,000 of them, and the JDK's formatter cost more
   * than the rest of a row.
   */
  static Instant utcSeconds(String t) {
    if (t.length() != 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || (t.charAt(10) != 'T' && t.charAt(10) != 't')
        || t.charAt(13) != ':' || t.charAt(16) != ':' || (t.charAt(19) != 'Z' && t.charAt(19) != 'z')) {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
      return null; // the full parser decides (and words) what is wrong
    }
    return Instant.ofEpochSecond(LocalDate.of(year, month, day).toEpochDay() * 86_400 + hour * 3_600L + minute * 60L + second);
  }

  /** The number in {@code count} decimal digits from {@code from}, or -1 when one is not a digit. */
  private static int digits(String s, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** {@code metav1.Time.UnmarshalQueryParameter} then {@code ConvertToHumanReadableDateType}. */
  static String age(String timestamp, Instant now) {
    Object shown = dateCell(timestamp);
    return shown instanceof Instant then ? HumanDuration.of(Duration.between(then, now)) : (String) shown;
  }

  /** The time a date cell shows the age of, or the text it shows whatever the time ({@code <unknown>}, {@code <invalid>}). */
  private static Object dateCell(String timestamp) {
    if (timestamp.isEmpty() || timestamp.equals("null")) {
      return "<unknown>";
    }
    Instant then = utcSeconds(timestamp);
    if (then == null) {
      try {
        then = OffsetDateTime.parse(timestamp.toUpperCase(Locale.ROOT)).toInstant();
      } catch (DateTimeParseException e) {
        return "<invalid>";
      }
    }
    return then.equals(ZERO_TIME) ? "<unknown>" : then;
  }
}
