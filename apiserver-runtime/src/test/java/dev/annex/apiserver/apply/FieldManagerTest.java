package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The request-level rules the handlers rely on, beyond the recorded sequences. */
class FieldManagerTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00.750Z"), ZoneOffset.UTC);

  private static FieldManager flunders() throws Exception {
    return new FieldManager("wardle.example.com/v1alpha1", "Flunder",
        RecordedScenariosTest.resource("flunder-schema.json"), true, CLOCK);
  }

  private static ObjectNode obj(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''        | kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07 | kubectl",
      "''        | my-tool/1.2 (linux) extra                        | my-tool",
      "''        | Two Words/1.0                                    | Two Words",
      "''        | 'tab\there/1'                                    | tabhere",
      "given     | kubectl/v1.32.4                                  | given",
      "''        | ''                                               | ''"})
  void managerIsTheParameterElseTheUserAgentBeforeItsFirstSlash(String param, String userAgent, String manager) {
    assertThat(FieldManager.managerOrUserAgent(param, userAgent)).isEqualTo(manager);
  }

  @Test
  void userAgentManagerIsCutAt128Bytes() {
    assertThat(FieldManager.managerOrUserAgent(null, "x".repeat(300) + "/1")).hasSize(128);
  }

  @Test
  void applyWithoutFieldManagerIsA422OnPatchOptions() {
    assertThatThrownBy(() -> FieldManager.validatePatchOptions(true, "", false))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.code()).isEqualTo(422);
          assertThat(e.getMessage()).isEqualTo(
              "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
          assertThat(e.toStatus().path("details").path("causes").get(0).path("field").asText()).isEqualTo("fieldManager");
        });
    assertThatThrownBy(() -> FieldManager.validatePatchOptions(false, "m", true))
        .hasMessage("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch");
    FieldManager.validatePatchOptions(true, "kubectl", true);
  }

  @Test
  void createRecordsAnUpdateWithSecondsAndDefaultsAreOwnedByTheCreator() throws Exception {
    ObjectNode created = flunders().update(null, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a","namespace":"n"},
         "spec":{"reference":"r","referenceType":"Flunder"}}"""), "creator", "");
    JsonNode entry = created.path("metadata").path("managedFields").get(0);
    assertThat(entry.toString()).isEqualTo("{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"fieldsType\":\"FieldsV1\","
        + "\"fieldsV1\":{\"f:spec\":{\".\":{},\"f:reference\":{},\"f:referenceType\":{}}},\"manager\":\"creator\","
        + "\"operation\":\"Update\",\"time\":\"2026-11-23T10:00:00Z\"}");
  }

  @Test
  void anUpdateLeavesTheLiveObjectAsItWas() throws Exception {
    FieldManager fm = flunders();
    ObjectNode live = fm.update(null, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a","namespace":"n"},
         "spec":{"reference":"r"}}"""), "creator", "");
    ObjectNode before = live.deepCopy();
    ObjectNode changed = live.deepCopy();
    changed.with("spec").put("reference", "s");
    changed.with("metadata").with("labels").put("app", "x");
    ObjectNode updated = fm.update(live, changed, "editor", "");
    // the live object is the cache's and other requests' too: the comparison only reads it
    assertThat(live).isEqualTo(before);
    assertThat(updated.path("metadata").path("managedFields").size()).isEqualTo(2);
    assertThat(updated.path("metadata").path("managedFields").get(1).path("fieldsV1").toString())
        .isEqualTo("{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{\"f:reference\":{}}}");
  }

  @Test
  void applyCreatesAMissingObjectAndItsStatusIsDropped() throws Exception {
    ObjectNode created = flunders().apply(null, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a"},
         "spec":{"reference":"r"},"status":{"phase":"x"}}"""), "ssa", false, "");
    assertThat(created.has("status")).isFalse();
    assertThat(created.path("metadata").path("managedFields").get(0).path("fieldsV1").toString())
        .isEqualTo("{\"f:spec\":{\"f:reference\":{}}}");
  }

  @Test
  void noOpReapplyKeepsTheEntryTime() throws Exception {
    FieldManager fm = flunders();
    ObjectNode first = fm.apply(null, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a"},"spec":{"reference":"r"}}"""),
        "ssa", false, "");
    FieldManager later = new FieldManager("wardle.example.com/v1alpha1", "Flunder",
        RecordedScenariosTest.resource("flunder-schema.json"), true,
        Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC));
    ObjectNode again = later.apply(first, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a"},"spec":{"reference":"r"}}"""),
        "ssa", false, "");
    assertThat(again).isEqualTo(first);
  }

  @Test
  void conflictCausesAreTheStatusDetails() {
    ApplyConflictException e = new ApplyConflictException(java.util.List.of(
        new ApplyConflictException.Conflict(new ManagedFieldsEntry.ManagerKey("b", ManagedFieldsEntry.Operation.Apply, "", ""),
            FieldPath.of("spec", "x")),
        new ApplyConflictException.Conflict(new ManagedFieldsEntry.ManagerKey("a", ManagedFieldsEntry.Operation.Update,
            "g/v1", "status"), FieldPath.of("status", "y"))));
    assertThat(e.getMessage()).isEqualTo("Apply failed with 2 conflicts: conflicts with \"a\" with subresource \"status\" using g/v1:\n"
        + "- .status.y\nconflicts with \"b\":\n- .spec.x");
    assertThat(e.causes()).extracting(ManagedFields.Cause::field).containsExactly(".status.y", ".spec.x");
    assertThat(e.toStatus().path("code").asInt()).isEqualTo(409);
    assertThat(e.toStatus().path("details").path("causes").get(1).toString())
        .isEqualTo("{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict with \\\"b\\\"\",\"field\":\".spec.x\"}");
  }

  @Test
  void invalidLiveManagedFieldsMakeApplyFail() throws Exception {
    ObjectNode live = obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a",
         "managedFields":[{"manager":"m","operation":"Bogus","apiVersion":"v","fieldsType":"FieldsV1","fieldsV1":{}}]}}""");
    assertThatThrownBy(() -> flunders().apply(live, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a"}}"""), "m", false, ""))
        .hasMessage("failed to decode managed fields: operation must be `Apply` or `Update`");
  }

  @Test
  void aMapListItemWithoutItsKeyIsLeftForTheSchemaToRefuse() throws Exception {
    // kube-apiserver answers this apply with the schema's 422 "spec.ports[0].name: Required value".
    ObjectNode created = flunders().apply(null, obj("""
        {"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a"},"spec":{"ports":[{"port":1}]}}"""),
        "m", false, "");
    assertThat(created.path("spec").path("ports").toString()).isEqualTo("[{\"port\":1}]");
  }
}
