package dev.annex.apiserver.tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.storage.ListResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tables compared with what kube-apiserver v1.37.2 answered for the wardle CRDs (test resources
 * {@code kube-apiserver-v1.37.2-table-*.json}: a Flunder list with the default includeObject and with
 * None, a Fischer list with Object).
 */
class TableConverterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ApiDefinition WARDLE = wardle();

  private static ApiDefinition wardle() {
    try {
      return ApiDefinition.read(Path.of(System.getProperty("annex.examples", "../examples"), "wardle.yaml"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode reference(String name) throws IOException {
    try (InputStream in = TableConverterTest.class.getResourceAsStream("kube-apiserver-v1.37.2-" + name)) {
      return JSON.readTree(in);
    }
  }

  /** The object kube-apiserver listed, rebuilt from the PartialObjectMetadata it returned plus the spec it stored. */
  private static ObjectNode storedFlunder(JsonNode table) {
    ObjectNode flunder = JSON.createObjectNode();
    flunder.put("apiVersion", "wardle.example.com/v1alpha1").put("kind", "Flunder");
    flunder.set("metadata", table.path("rows").get(0).path("object").path("metadata").deepCopy());
    flunder.putObject("spec").put("reference", "x").put("referenceType", "Flunder");
    return flunder;
  }

  private static Clock at(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }

  @Test
  void flunderTableMatchesKubeApiserverWithMetadataObjects() throws IOException {
    JsonNode expected = reference("table-meta.json");
    ObjectNode flunder = storedFlunder(expected);
    TableConverter converter = new TableConverter(WARDLE.resourceByPlural("flunders").orElseThrow(),
        at(flunder.path("metadata").path("creationTimestamp").asText()));
    ObjectNode table = converter.convert(List.of(flunder), null);
    assertThat(table.get("columnDefinitions")).isEqualTo(expected.get("columnDefinitions"));
    assertThat(table.get("rows")).isEqualTo(expected.get("rows"));
    assertThat(table.get("kind").asText()).isEqualTo("Table");
    assertThat(table.get("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
  }

  @Test
  void includeObjectNoneLeavesObjectNull() throws IOException {
    JsonNode expected = reference("table-none.json");
    ObjectNode flunder = storedFlunder(reference("table-meta.json"));
    TableConverter converter = new TableConverter(WARDLE.resourceByPlural("flunders").orElseThrow(),
        at(flunder.path("metadata").path("creationTimestamp").asText()));
    assertThat(converter.convert(List.of(flunder), "None").get("rows")).isEqualTo(expected.get("rows"));
  }

  @Test
  void withoutPrinterColumnsAgeIsTheDefaultColumnAndObjectIsEmbedded() throws IOException {
    JsonNode expected = reference("table-fischer.json");
    ObjectNode fischer = (ObjectNode) expected.path("rows").get(0).path("object").deepCopy();
    TableConverter converter = new TableConverter(WARDLE.resourceByPlural("fischers").orElseThrow(),
        at(fischer.path("metadata").path("creationTimestamp").asText()));
    ObjectNode table = converter.convert(List.of(fischer), "Object");
    assertThat(table.get("columnDefinitions")).isEqualTo(expected.get("columnDefinitions"));
    assertThat(table.get("rows")).isEqualTo(expected.get("rows"));
  }

  /** Lists from the watch cache send rows spliced from kept encodings: the same bytes as the Table built whole. */
  @ParameterizedTest
  @MethodSource("includeObjects")
  void rowsFromKeptEncodingsAreByteForByteTheConvertedRows(String includeObject) throws IOException {
    ObjectNode flunder = storedFlunder(reference("table-meta.json"));
    ObjectNode fischer = (ObjectNode) reference("table-fischer.json").path("rows").get(0).path("object").deepCopy();
    ObjectNode bare = JSON.createObjectNode().put("apiVersion", "wardle.example.com/v1alpha1").put("kind", "Flunder");
    for (String plural : List.of("flunders", "fischers")) {
      TableConverter converter = new TableConverter(WARDLE.resourceByPlural(plural).orElseThrow(),
          at("2026-12-03T10:00:00Z"));
      List<ObjectNode> objects = List.of(flunder, fischer, bare);
      List<ListResult.Encoded> kept = objects.stream().map(o -> new ListResult.Encoded(o.deepCopy())).toList();

      List<byte[]> rows = converter.encodedRows(kept, includeObject);

      ObjectNode whole = converter.convert(objects.stream().map(ObjectNode::deepCopy).toList(), includeObject);
      assertThat(rows).hasSize(3);
      for (int i = 0; i < rows.size(); i++) {
        assertThat(new String(rows.get(i), StandardCharsets.UTF_8)).as("%s row %d", plural, i)
            .isEqualTo(JSON.writeValueAsString(whole.get("rows").get(i)));
      }
      assertThat(converter.head().remove("columnDefinitions")).isEqualTo(whole.get("columnDefinitions"));
    }
    assertThat(new String(TableConverter.partialObjectMetadataJson(new ListResult.Encoded(fischer)), StandardCharsets.UTF_8))
        .isEqualTo(JSON.writeValueAsString(TableConverter.partialObjectMetadata(fischer)));
  }

  /** The cells kept with an object are its time-free part: a later list shows a later age. */
  @Test
  void keptCellsStillShowTheAgeAtEachList() throws IOException {
    ObjectNode fischer = (ObjectNode) reference("table-fischer.json").path("rows").get(0).path("object").deepCopy();
    Instant created = Instant.parse(fischer.path("metadata").path("creationTimestamp").asText());
    Instant[] now = {created.plusSeconds(30)};
    Clock moving = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now[0];
      }
    };
    TableConverter converter = new TableConverter(WARDLE.resourceByPlural("fischers").orElseThrow(), moving);
    List<ListResult.Encoded> kept = List.of(new ListResult.Encoded(fischer));
    assertThat(JSON.readTree(converter.encodedRows(kept, "None").get(0)).path("cells").get(1).asText()).isEqualTo("30s");
    now[0] = created.plusSeconds(150);
    assertThat(JSON.readTree(converter.encodedRows(kept, "None").get(0)).path("cells").get(1).asText()).isEqualTo("2m30s");
  }

  static Stream<String> includeObjects() {
    return Stream.of("Metadata", "None", "Object", "");
  }

  @Test
  void anUnknownIncludeObjectIsRefusedInKubeApiserversWords() {
    TableConverter converter = new TableConverter(WARDLE.resourceByPlural("fischers").orElseThrow());
    // kube-apiserver: "Unable to convert to Table as requested: includeObject: Invalid value: \"Bogus\": must be ..."
    assertThatThrownBy(() -> converter.convert(List.of(), "Bogus"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("includeObject: Invalid value: \"Bogus\": must be 'Metadata', 'Object', 'None', or empty");
  }

  record CellCase(String type, String jsonPath, String object, String cell) {
    @Override
    public String toString() {
      return type + " " + jsonPath + " -> " + cell;
    }
  }

  static Stream<CellCase> cells() {
    String o = "{\"metadata\":{\"name\":\"n\",\"labels\":{\"app\":\"web\",\"a.b/c\":\"q\"},"
        + "\"creationTimestamp\":\"2026-11-20T12:00:00Z\"},\"spec\":{\"replicas\":3,\"ratio\":0.5,\"big\":1234567.5,"
        + "\"ready\":true,\"items\":[{\"name\":\"first\"},{\"name\":\"second\"}],\"map\":{\"b\":1,\"a\":[1]},"
        + "\"when\":\"2026-11-23T11:58:00Z\",\"bad\":\"yesterday\",\"text\":\"7\"}}";
    return Stream.of(
        new CellCase("string", ".spec.items[0].name", o, "\"first\""),
        new CellCase("string", ".spec.items[*].name", o, "\"first\""),
        new CellCase("string", ".spec.items[-1].name", o, "\"second\""),
        new CellCase("string", ".metadata.labels.app", o, "\"web\""),
        new CellCase("string", ".metadata.labels['a.b/c']", o, "\"q\""),
        new CellCase("string", ".metadata.labels[\"a.b/c\"]", o, "\"q\""),
        new CellCase("string", "{.spec.replicas}", o, "\"3\""),
        new CellCase("string", ".spec.big", o, "\"1.2345675e+06\""),
        new CellCase("string", ".spec.ready", o, "\"true\""),
        new CellCase("string", ".spec.map", o, "\"{\\\"a\\\":[1],\\\"b\\\":1}\""),
        new CellCase("string", ".spec.missing", o, "null"),
        new CellCase("string", ".spec.items[5].name", o, "null"),
        new CellCase("integer", ".spec.replicas", o, "3"),
        new CellCase("integer", ".spec.ratio", o, "0"),
        new CellCase("integer", ".spec.text", o, "null"),
        new CellCase("number", ".spec.ratio", o, "0.5"),
        new CellCase("number", ".spec.replicas", o, "3"),
        new CellCase("boolean", ".spec.ready", o, "true"),
        new CellCase("boolean", ".spec.text", o, "null"),
        new CellCase("date", ".spec.when", o, "\"2m\""),
        new CellCase("date", ".metadata.creationTimestamp", o, "\"3d\""),
        new CellCase("date", ".spec.bad", o, "\"<invalid>\""),
        new CellCase("date", ".spec.replicas", o, "null"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void cellsAreTypedAndPrintedAsUpstream(CellCase c) throws IOException {
    Resource resource = new Resource("K", "ks", "k", List.of(), List.of(), Resource.Scope.Namespaced, false,
        List.of(new Resource.PrinterColumn("C", c.type(), "", "", 0, c.jsonPath())), JSON.readTree("{\"type\":\"object\"}"));
    ObjectNode table = new TableConverter(resource, at("2026-11-23T12:00:00Z"))
        .convert(List.of((ObjectNode) JSON.readTree(c.object())), "None");
    // Compared as serialized JSON: an int and a long cell are the same number on the wire.
    assertThat(table.path("rows").get(0).path("cells").get(1).toString()).isEqualTo(JSON.readTree(c.cell()).toString());
  }

  record AgeCase(long seconds, String text) {
    @Override
    public String toString() {
      return seconds + "s -> " + text;
    }
  }

  /** duration.HumanDuration's boundaries (apimachinery pkg/util/duration). */
  static Stream<AgeCase> ages() {
    return Stream.of(new AgeCase(-3, "<invalid>"), new AgeCase(-1, "0s"), new AgeCase(0, "0s"), new AgeCase(119, "119s"),
        new AgeCase(120, "2m"), new AgeCase(200, "3m20s"), new AgeCase(599, "9m59s"), new AgeCase(600, "10m"),
        new AgeCase(3 * 3600 - 1, "179m"), new AgeCase(3 * 3600, "3h"), new AgeCase(5 * 3600 + 120, "5h2m"),
        new AgeCase(8 * 3600, "8h"), new AgeCase(47 * 3600 + 3599, "47h"), new AgeCase(48 * 3600, "2d"),
        new AgeCase(76 * 3600, "3d4h"), new AgeCase(8 * 86400, "8d"), new AgeCase(729 * 86400, "729d"),
        new AgeCase(730 * 86400, "2y"), new AgeCase(747 * 86400, "2y17d"), new AgeCase(8 * 365 * 86400L, "8y"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ages")
  void humanDurations(AgeCase c) {
    assertThat(HumanDuration.of(Duration.ofSeconds(c.seconds()))).isEqualTo(c.text());
  }

  @Test
  void missingOrZeroTimestampsAreUnknown() {
    Instant now = Instant.parse("2026-11-23T12:00:00Z");
    assertThat(TableConverter.age("", now)).isEqualTo("<unknown>");
    assertThat(TableConverter.age("0001-01-01T00:00:00Z", now)).isEqualTo("<unknown>");
    assertThat(TableConverter.age("2026-11-23T11:59:30.5Z", now)).isEqualTo("29s");
  }

  /** The hand-read form agrees with the JDK's RFC 3339 parser, and leaves every other form to it. */
  @ParameterizedTest
  @MethodSource("timestamps")
  void storedTimestampsReadByHandAgreeWithTheFullParser(String timestamp) {
    Instant byHand = TableConverter.utcSeconds(timestamp);
    Instant full;
    try {
      full = OffsetDateTime.parse(timestamp.toUpperCase(Locale.ROOT)).toInstant();
    } catch (DateTimeParseException e) {
      full = null;
    }
    if (byHand != null) {
      assertThat(byHand).isEqualTo(full);
    }
    boolean storedForm = timestamp.matches("\\d{4}-\\d\\d-\\d\\d[Tt]\\d\\d:\\d\\d:\\d\\d[Zz]");
    assertThat(byHand != null).as("read by hand").isEqualTo(storedForm && full != null);
    Instant now = Instant.parse("2026-11-23T12:00:00Z");
    assertThat(TableConverter.age(timestamp, now)).isNotEmpty();
  }

  static Stream<String> timestamps() {
    return Stream.of("2026-11-23T11:59:30Z", "2024-02-29T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59z",
        "2026-11-23t00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T11:60:00Z", "2026-11-23T11:59:60Z", "2026-11-23T11:59:30.5Z",
        "2026-11-23T11:59:30+01:00", "2026-1a-23T11:59:30Z", "2026-11-23 11:59:30Z", "not a time");
  }
}
