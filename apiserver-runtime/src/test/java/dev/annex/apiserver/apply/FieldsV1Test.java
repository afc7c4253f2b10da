package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The FieldsV1 encoding: every set the real server wrote reads back and writes out byte for byte. */
class FieldsV1Test {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRecordedFieldsV1RoundTripsExactly() throws Exception {
    List<JsonNode> sets = new ArrayList<>();
    for (String file : new String[] {"two-appliers.json", "list-order.json", "client-managed-fields.json",
        "owners-status-force.json", "kubectl-server-side-upgrade.json", "widget-numbers-nested.json"}) {
      RecordedScenariosTest.resource(file).findParents("fieldsV1").forEach(p -> sets.add(p.get("fieldsV1")));
    }
    assertThat(sets).hasSizeGreaterThan(100);
    for (JsonNode fieldsV1 : sets) {
      String text = Values.toJsonInsertionOrder(fieldsV1);
      if (text.contains("x:bad")) {
        continue; // a client's unknown element type: skipped on read, as upstream
      }
      assertThat(FieldSet.fromFieldsV1(fieldsV1).toFieldsV1Json()).isEqualTo(text);
    }
  }

  @Test
  void readsEveryElementKindAndPrintsPathsAsUpstream() throws Exception {
    FieldSet s = FieldSet.fromFieldsV1(JSON.readTree("""
        {"f:spec":{"f:ports":{"k:{\\"protocol\\":\\"TCP\\",\\"name\\":\\"http\\"}":{".":{},"f:port":{}}},
         "f:tags":{"v:\\"a\\"":{},"v:3":{}},"f:legacy":{"i:0":{}}}}"""));
    assertThat(s.paths()).extracting(FieldPath::toString).containsExactly(
        ".spec.legacy[0]",
        ".spec.ports[name=\"http\",protocol=\"TCP\"]",
        ".spec.ports[name=\"http\",protocol=\"TCP\"].port",
        ".spec.tags[=3]",
        ".spec.tags[=\"a\"]");
    // Key fields are written sorted by name, whatever order the client used.
    assertThat(s.toFieldsV1Json()).contains("k:{\\\"name\\\":\\\"http\\\",\\\"protocol\\\":\\\"TCP\\\"}");
  }

  @Test
  void unknownElementTypesAreSkippedLikeUpstream() throws Exception {
    assertThat(FieldSet.fromFieldsV1(JSON.readTree("{\"x:future\":{},\"f:a\":{}}")).toFieldsV1Json())
        .isEqualTo("{\"f:a\":{}}");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"k:{bad\":{}}                    | parsing path element",
      "{\"f:a\":[]}                        | expected an object for f:a",
      "{\"i:x\":{}}                        | parsing path element i:x",
      "[]                                  | expected a JSON object"})
  void malformedFieldsV1IsRefused(String fieldsV1, String message) throws Exception {
    JsonNode n = JSON.readTree(fieldsV1);
    assertThatThrownBy(() -> FieldSet.fromFieldsV1(n)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void setOperationsFollowTheTrie() {
    FieldSet a = FieldSet.of(FieldPath.of("spec", "a"), FieldPath.of("spec", "b"), FieldPath.of("status"));
    FieldSet b = FieldSet.of(FieldPath.of("spec", "b"));
    assertThat(a.difference(b).toFieldsV1Json()).isEqualTo("{\"f:spec\":{\"f:a\":{}},\"f:status\":{}}");
    assertThat(a.intersection(b)).isEqualTo(b);
    assertThat(a.union(b)).isEqualTo(a);
    assertThat(a.recursiveDifference(FieldSet.of(FieldPath.of("spec"))).toFieldsV1Json()).isEqualTo("{\"f:status\":{}}");
    assertThat(a.difference(FieldSet.of(FieldPath.of("spec"))).toFieldsV1Json()).isEqualTo(a.toFieldsV1Json());
    assertThat(b.difference(b).isEmpty()).isTrue();
  }
}
