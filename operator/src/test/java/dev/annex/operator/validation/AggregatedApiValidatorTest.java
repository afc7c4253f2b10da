package dev.annex.operator.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.operator.Fixtures;
import dev.annex.operator.api.AggregatedApi;
import dev.annex.operator.api.ApiVersion;
import dev.annex.operator.api.Storage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AggregatedApiValidatorTest {

  private static SpecProblem refused(AggregatedApi api, AggregatedApi... others) {
    return AggregatedApiValidator.validate(api, List.of(others)).orElseThrow(() -> new AssertionError("accepted"));
  }

  @Test
  void theWardleExampleIsAccepted() {
    assertThat(AggregatedApiValidator.validate(Fixtures.wardle(), List.of())).isEmpty();
  }

  @Test
  void aKindListedTwiceIsRefused() {
    AggregatedApi api = Fixtures.wardle();
    api.getSpec().resources.get(1).kind = "Flunder";
    assertThat(refused(api)).extracting(SpecProblem::reason).isEqualTo("DuplicateKind");
    assertThat(refused(api).message()).contains("spec.resources[1].kind", "Flunder", "twice");
  }

  @Test
  void aPluralThatIsNotLowerCaseIsRefused() {
    AggregatedApi api = Fixtures.wardle();
    api.getSpec().resources.get(0).plural = "Flunders";
    assertThat(refused(api).reason()).isEqualTo("InvalidPlural");
    assertThat(refused(api).message()).contains("spec.resources[0].plural", "flunders");
  }

  @Test
  void aSchemaThatIsNotStructuralIsRefused() {
    AggregatedApi api = Fixtures.wardle();
    ObjectNode spec = (ObjectNode) api.getSpec().resources.get(0).schema.openAPIV3Schema.path("properties").path("spec");
    ((ObjectNode) spec.path("properties").path("reference")).remove("type");
    SpecProblem problem = refused(api);
    assertThat(problem.reason()).isEqualTo("NonStructuralSchema");
    assertThat(problem.message()).contains("properties.spec.properties.reference.type");

    AggregatedApi array = Fixtures.wardle();
    ((ObjectNode) array.getSpec().resources.get(1).schema.openAPIV3Schema.path("properties").path("disallowedFlunders"))
        .remove("items");
    assertThat(refused(array).reason()).isEqualTo("NonStructuralSchema");

    AggregatedApi root = Fixtures.wardle();
    ((ObjectNode) root.getSpec().resources.get(0).schema.openAPIV3Schema).put("type", "string");
    assertThat(refused(root).reason()).isEqualTo("NonStructuralSchema");
  }

  @Test
  void celValidationRulesAreRefusedBecauseTheRuntimeCannotEnforceThem() {
    AggregatedApi api = Fixtures.wardle();
    ObjectNode spec = (ObjectNode) api.getSpec().resources.get(0).schema.openAPIV3Schema.path("properties").path("spec");
    spec.putArray("x-kubernetes-validations").addObject().put("rule", "self.reference != ''");
    SpecProblem problem = refused(api);
    assertThat(problem.reason()).isEqualTo("UnsupportedValidationRules");
    assertThat(problem.message()).contains("spec.resources[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations");
  }

  @Test
  void preserveUnknownFieldsNeedsNoType() {
    AggregatedApi api = Fixtures.wardle();
    ((ObjectNode) api.getSpec().resources.get(0).schema.openAPIV3Schema.path("properties"))
        .set("extra", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("x-kubernetes-preserve-unknown-fields", true));
    assertThat(AggregatedApiValidator.validate(api, List.of())).isEmpty();
  }

  @Test
  void aBuiltInGroupIsRefused() {
    for (String group : List.of("apps", "rbac.authorization.k8s.io", "apiregistration.k8s.io", "annex.dev")) {
      AggregatedApi api = Fixtures.wardle();
      api.getSpec().group = group;
      assertThat(refused(api).reason()).as(group).isEqualTo("ReservedGroup");
    }
  }

  @Test
  void aGroupServedByAnOlderAggregatedApiIsRefusedAndTheOlderKeepsIt() {
    AggregatedApi older = Fixtures.wardle("a", "first");
    older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    AggregatedApi newer = Fixtures.wardle("b", "second");
    newer.getMetadata().setCreationTimestamp("2026-01-02T00:00:00Z");
    SpecProblem problem = refused(newer, older, newer);
    assertThat(problem.reason()).isEqualTo("GroupConflict");
    assertThat(problem.message()).contains("a/first");
    assertThat(AggregatedApiValidator.validate(older, List.of(older, newer))).isEmpty();
  }

  @Test
  void versionsNeedExactlyOneStorageVersionAndUniqueNames() {
    AggregatedApi none = Fixtures.wardle();
    none.getSpec().versions.get(0).storage = false;
    assertThat(refused(none).reason()).isEqualTo("InvalidVersions");

    AggregatedApi twice = Fixtures.wardle();
    twice.getSpec().versions.add(new ApiVersion("v1alpha1", 1, true, false));
    assertThat(refused(twice).message()).contains("listed twice");

    AggregatedApi badName = Fixtures.wardle();
    badName.getSpec().versions.get(1).name = "beta";
    assertThat(refused(badName).reason()).isEqualTo("InvalidVersions");
  }

  @Test
  void moreThanOneReplicaNeedsEtcd() {
    AggregatedApi api = Fixtures.wardle();
    api.getSpec().replicas = 3;
    assertThat(refused(api).reason()).isEqualTo("ReplicasNeedEtcd");
    api.getSpec().storage.type = Storage.Type.Etcd;
    assertThat(refused(api).reason()).isEqualTo("InvalidStorage");
    api.getSpec().storage.etcd = new Storage.Etcd();
    api.getSpec().storage.etcd.servers = List.of("https://etcd:2379");
    assertThat(AggregatedApiValidator.validate(api, List.of())).isEmpty();
  }

  @Test
  void renewBeforeMustBeShorterThanValidity() {
    AggregatedApi api = Fixtures.wardle();
    api.getSpec().certificate = new dev.annex.operator.api.CertificatePolicy("1h", "2h");
    assertThat(refused(api).reason()).isEqualTo("InvalidCertificatePolicy");
  }
}
