package dev.annex.apiserver.apply;

import dev.annex.apiserver.status.StatusException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The apply body reads as kube-apiserver reads it (the recordings show {@code y} as {@code true}). */
class ApplyPatchYamlTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "v: y          | {\"v\":true}",
      "v: N          | {\"v\":false}",
      "v: off        | {\"v\":false}",
      "v: yes-b      | {\"v\":\"yes-b\"}",
      "v: \"y\"      | {\"v\":\"y\"}",
      "y: [1, 2]     | {\"true\":[1,2]}",
      "n: null       | {\"false\":null}",
      "v: 2001-12-14 | {\"v\":\"2001-12-14\"}",
      "v: 80         | {\"v\":80}",
      "v: 1.5        | {\"v\":1.5}",
      "v: ~          | {\"v\":null}"})
  void scalarsResolveAsGoYamlDoes(String yaml, String json) {
    assertThat(ApplyPatchYaml.read(yaml).toString()).isEqualTo(json);
  }

  @Test
  void recordedBodyWithYAsKeyMatchesTheServersFieldSet() {
    assertThat(ApplyPatchYaml.read("spec:\n  tags: [x, y]\n").toString()).isEqualTo("{\"spec\":{\"tags\":[\"x\",true]}}");
  }

  @Test
  void duplicateKeysAndBrokenYamlAreBadRequests() {
    assertThatThrownBy(() -> ApplyPatchYaml.read("a: 1\na: 2\n"))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400))
        .hasMessageStartingWith("error decoding YAML: ");
    assertThatThrownBy(() -> ApplyPatchYaml.read("a: [1\n")).isInstanceOf(StatusException.class);
  }
}
