package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad body is the right Status, and what was stored before stays as it was. */
class BadInputTest {

  static final String FLUNDERS = WARDLE + "/namespaces/bad/flunders";

  @TempDir
  static Path dir;
  static RunningServer server;
  static String before;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
    assertThat(server.post(FLUNDERS, flunder("kept", "original")).statusCode()).isEqualTo(201);
    before = server.get(FLUNDERS).body();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void storedObjectsAreUnchanged() throws Exception {
    assertThat(server.get(FLUNDERS).body()).isEqualTo(before);
  }

  private static JsonNode expect(HttpResponse<String> r, int code, String reason) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
    JsonNode status = json(r);
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("code").asInt()).isEqualTo(code);
    assertThat(status.path("reason").asText()).isEqualTo(reason);
    assertThat(server.get(FLUNDERS).body()).as("stored objects unchanged").isEqualTo(before);
    return status;
  }

  @Test
  void malformedJsonIsBadRequest() throws Exception {
    expect(server.post(FLUNDERS, "{\"apiVersion\": "), 400, "BadRequest");
    expect(server.put(FLUNDERS + "/kept", "{not json"), 400, "BadRequest");
  }

  @Test
  void malformedYamlIsBadRequest() throws Exception {
    expect(server.send("POST", FLUNDERS, "apiVersion: [unclosed\nkind: Flunder", "Content-Type", "application/yaml"),
        400, "BadRequest");
  }

  @Test
  void yamlBodiesAreAccepted() throws Exception {
    HttpResponse<String> r = server.send("POST", FLUNDERS + "?dryRun=All",
        "apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata:\n  name: from-yaml\n", "Content-Type", "application/yaml");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @Test
  void wrongApiVersionOrKindIsBadRequest() throws Exception {
    JsonNode status = expect(server.post(FLUNDERS, flunder("x", "a").replace("wardle.example.com/v1alpha1", "wardle.example.com/v9")),
        400, "BadRequest");
    assertThat(status.path("message").asText()).isEqualTo("the API version in the data (wardle.example.com/v9) does not "
        + "match the expected API version (wardle.example.com/v1alpha1)");
    expect(server.post(FLUNDERS, flunder("x", "a").replace("\"Flunder\"", "\"Fischer\"")), 400, "BadRequest");
    JsonNode missing = expect(server.post(FLUNDERS, "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"metadata\":{\"name\":\"x\"}}"),
        400, "BadRequest");
    assertThat(missing.path("message").asText()).startsWith("Object 'Kind' is missing in");
  }

  @Test
  void missingNameIsInvalid() throws Exception {
    JsonNode status = expect(server.post(FLUNDERS, "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"kind\":\"Flunder\"}"),
        422, "Invalid");
    assertThat(status.path("details").path("causes").get(0).path("reason").asText()).isEqualTo("FieldValueRequired");
    assertThat(status.path("details").path("causes").get(0).path("field").asText()).isEqualTo("metadata.name");
    assertThat(status.path("message").asText())
        .isEqualTo("Flunder.wardle.example.com \"\" is invalid: metadata.name: Required value: name or generateName is required");
  }

  @Test
  void aNameThatIsNotDns1123IsInvalid() throws Exception {
    JsonNode status = expect(server.post(FLUNDERS, flunder("Not_Valid", "a")), 422, "Invalid");
    assertThat(status.path("message").asText()).startsWith("Flunder.wardle.example.com \"Not_Valid\" is invalid: "
        + "metadata.name: Invalid value: \"Not_Valid\": a lowercase RFC 1123 subdomain must consist of");
    assertThat(status.path("details").path("name").asText()).isEqualTo("Not_Valid");
    assertThat(status.path("details").path("group").asText()).isEqualTo("wardle.example.com");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("Flunder");
  }

  @Test
  void aSchemaViolationIsInvalidWithTheFieldAsCause() throws Exception {
    JsonNode status = expect(server.post(FLUNDERS, flunder("enum", "a").replace("\"reference\":\"a\"",
        "\"reference\":\"a\",\"referenceType\":\"Other\"")), 422, "Invalid");
    JsonNode cause = status.path("details").path("causes").get(0);
    assertThat(cause.path("reason").asText()).isEqualTo("FieldValueNotSupported");
    assertThat(cause.path("field").asText()).isEqualTo("spec.referenceType");
    assertThat(cause.path("message").asText()).isEqualTo("Unsupported value: \"Other\": supported values: \"Flunder\", \"Fischer\"");
    expect(server.post(FLUNDERS, flunder("typed", "a").replace("\"reference\":\"a\"", "\"reference\":7")), 422, "Invalid");
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String huge = flunder("huge", "x".repeat(3 * 1024 * 1024 + 10));
    HttpResponse<String> r = server.post(FLUNDERS, huge);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(json(r).path("reason").asText()).isEqualTo("RequestEntityTooLarge");
    assertThat(server.get(FLUNDERS).body()).isEqualTo(before);
  }

  @Test
  void aNamespaceMismatchIsBadRequest() throws Exception {
    expect(server.post(FLUNDERS, flunder("ns", "a").replace("\"name\":\"ns\"", "\"name\":\"ns\",\"namespace\":\"other\"")),
        400, "BadRequest");
  }

  @Test
  void aNameMismatchOnUpdateIsBadRequest() throws Exception {
    expect(server.put(FLUNDERS + "/kept", flunder("other", "a")), 400, "BadRequest");
  }
}
