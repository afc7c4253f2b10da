package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.annex.apiserver.testsupport.RunningServer.WARDLE;
import static dev.annex.apiserver.testsupport.RunningServer.flunder;
import static dev.annex.apiserver.testsupport.RunningServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The resource endpoints over HTTPS, as kube-apiserver answers them for a CRD with the same schema. */
class ResourceHttpTest {

  @TempDir
  static Path dir;
  static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String ns(String name) {
    return WARDLE + "/namespaces/" + name + "/flunders";
  }

  @Test
  void createSetsMetadataAndDefaultsAndGetReturnsItInEitherVersion() throws Exception {
    HttpResponse<String> created = server.post(ns("crud"), flunder("one", "other"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode o = json(created);
    JsonNode meta = o.path("metadata");
    assertThat(meta.path("uid").asText()).hasSize(36);
    assertThat(meta.path("namespace").asText()).isEqualTo("crud");
    assertThat(meta.path("generation").asInt()).isEqualTo(1);
    assertThat(meta.path("creationTimestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(meta.path("resourceVersion").asText()).isNotEmpty();
    assertThat(o.path("spec").path("referenceType").asText()).as("schema default").isEqualTo("Flunder");

    JsonNode beta = json(server.get("/apis/wardle.example.com/v1beta1/namespaces/crud/flunders/one"));
    assertThat(beta.path("apiVersion").asText()).isEqualTo("wardle.example.com/v1beta1");
    assertThat(beta.path("metadata").path("uid")).isEqualTo(meta.path("uid"));
    assertThat(json(server.get(ns("crud") + "/one")).path("apiVersion").asText()).isEqualTo("wardle.example.com/v1alpha1");
  }

  @Test
  void generateNameMakesAUniqueName() throws Exception {
    String body = "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"kind\":\"Flunder\",\"metadata\":{\"generateName\":\"gen-\"}}";
    String a = json(server.post(ns("gen"), body)).path("metadata").path("name").asText();
    String b = json(server.post(ns("gen"), body)).path("metadata").path("name").asText();
    assertThat(a).matches("gen-[a-z0-9]{5}");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void duplicateCreateIsAlreadyExists() throws Exception {
    server.post(ns("dup"), flunder("x", "a"));
    HttpResponse<String> again = server.post(ns("dup"), flunder("x", "a"));
    assertThat(again.statusCode()).isEqualTo(409);
    JsonNode status = json(again);
    assertThat(status.path("reason").asText()).isEqualTo("AlreadyExists");
    assertThat(status.path("message").asText()).isEqualTo("flunders.wardle.example.com \"x\" already exists");
  }

  @Test
  void getOfAMissingObjectIsNotFound() throws Exception {
    HttpResponse<String> r = server.get(ns("none") + "/ghost");
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode status = json(r);
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("NotFound");
    assertThat(status.path("message").asText()).isEqualTo("flunders.wardle.example.com \"ghost\" not found");
    assertThat(status.path("details").path("name").asText()).isEqualTo("ghost");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("flunders");
  }

  @Test
  void updateWithAStaleResourceVersionIsConflictAndGenerationMovesOnSpecChangesOnly() throws Exception {
    JsonNode created = json(server.post(ns("upd"), flunder("u", "a")));
    String rv = created.path("metadata").path("resourceVersion").asText();
    String changedLabel = flunder("u", "a").replace("\"app\":\"u\"", "\"app\":\"v\"")
        .replace("\"name\":\"u\"", "\"name\":\"u\",\"resourceVersion\":\"" + rv + "\"");
    JsonNode labelOnly = json(server.put(ns("upd") + "/u", changedLabel));
    assertThat(labelOnly.path("metadata").path("generation").asInt()).isEqualTo(1);
    HttpResponse<String> stale = server.put(ns("upd") + "/u", changedLabel.replace("\"reference\":\"a\"", "\"reference\":\"b\""));
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(json(stale).path("reason").asText()).isEqualTo("Conflict");
    assertThat(json(stale).path("message").asText()).isEqualTo("Operation cannot be fulfilled on flunders.wardle.example.com"
        + " \"u\": the object has been modified; please apply your changes to the latest version and try again");
    String current = labelOnly.path("metadata").path("resourceVersion").asText();
    JsonNode specChange = json(server.put(ns("upd") + "/u", changedLabel.replace(rv, current)
        .replace("\"reference\":\"a\"", "\"reference\":\"b\"")));
    assertThat(specChange.path("metadata").path("generation").asInt()).isEqualTo(2);
    assertThat(specChange.path("metadata").path("uid")).isEqualTo(created.path("metadata").path("uid"));
  }

  @Test
  void anUpdateWhoseBodyLeavesOutTheNamespaceKeepsTheRequestsNamespace() throws Exception {
    JsonNode created = json(server.post(ns("keepns"), flunder("k", "a")));
    String rv = created.path("metadata").path("resourceVersion").asText();
    String body = flunder("k", "b").replace("\"name\":\"k\"", "\"name\":\"k\",\"resourceVersion\":\"" + rv + "\"");
    assertThat(body).doesNotContain("\"namespace\"");
    JsonNode updated = json(server.put(ns("keepns") + "/k", body));
    assertThat(updated.path("metadata").path("namespace").asText()).isEqualTo("keepns");
    assertThat(json(server.get(ns("keepns") + "/k")).path("metadata").path("namespace").asText()).isEqualTo("keepns");
    JsonNode selected = json(server.get(ns("keepns") + "?fieldSelector=metadata.namespace%3Dkeepns"));
    assertThat(selected.path("items")).hasSize(1);
  }

  @Test
  void updateWithoutResourceVersionIsInvalid() throws Exception {
    server.post(ns("norv"), flunder("n", "a"));
    HttpResponse<String> r = server.put(ns("norv") + "/n", flunder("n", "b"));
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(json(r).path("details").path("causes").get(0).path("field").asText()).isEqualTo("metadata.resourceVersion");
  }

  @Test
  void statusSubresourceChangesStatusOnlyAndTheMainEndpointKeepsIt() throws Exception {
    JsonNode created = json(server.post(ns("st"), flunder("s", "a").replace("\"spec\"", "\"status\":{\"phase\":\"Ignored\"},\"spec\"")));
    assertThat(created.has("status")).as("create cannot set status").isFalse();
    HttpResponse<String> patched = server.send("PATCH", ns("st") + "/s/status",
        "{\"status\":{\"phase\":\"Ready\"},\"spec\":{\"reference\":\"changed\"}}", "Content-Type", "application/merge-patch+json");
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    assertThat(json(patched).path("status").path("phase").asText()).isEqualTo("Ready");
    assertThat(json(patched).path("spec").path("reference").asText()).isEqualTo("a");
    HttpResponse<String> main = server.send("PATCH", ns("st") + "/s",
        "{\"status\":{\"phase\":\"Lost\"},\"spec\":{\"reference\":\"b\"}}", "Content-Type", "application/merge-patch+json");
    assertThat(json(main).path("status").path("phase").asText()).isEqualTo("Ready");
    assertThat(json(main).path("spec").path("reference").asText()).isEqualTo("b");
    assertThat(json(main).path("metadata").path("generation").asInt()).isEqualTo(2);
  }

  @Test
  void jsonMergeAndStrategicPatchesApplyAndApplyPatchNeedsAFieldManager() throws Exception {
    server.post(ns("patch"), flunder("p", "a"));
    HttpResponse<String> jsonPatch = server.send("PATCH", ns("patch") + "/p",
        "[{\"op\":\"replace\",\"path\":\"/spec/reference\",\"value\":\"j\"},{\"op\":\"add\",\"path\":\"/metadata/labels/x\",\"value\":\"y\"}]",
        "Content-Type", "application/json-patch+json");
    assertThat(jsonPatch.statusCode()).as(jsonPatch.body()).isEqualTo(200);
    assertThat(json(jsonPatch).path("spec").path("reference").asText()).isEqualTo("j");
    assertThat(json(jsonPatch).path("metadata").path("labels").path("x").asText()).isEqualTo("y");
    HttpResponse<String> strategic = server.send("PATCH", ns("patch") + "/p",
        "{\"metadata\":{\"labels\":{\"x\":null}},\"spec\":{\"reference\":\"s\"}}", "Content-Type",
        "application/strategic-merge-patch+json");
    assertThat(json(strategic).path("metadata").path("labels").has("x")).isFalse();
    assertThat(json(strategic).path("spec").path("reference").asText()).isEqualTo("s");
    HttpResponse<String> failedTest = server.send("PATCH", ns("patch") + "/p",
        "[{\"op\":\"test\",\"path\":\"/spec/reference\",\"value\":\"nope\"}]", "Content-Type", "application/json-patch+json");
    assertThat(failedTest.statusCode()).isEqualTo(422);
    HttpResponse<String> apply = server.send("PATCH", ns("patch") + "/p", "{}", "Content-Type", "application/apply-patch+yaml");
    assertThat(apply.statusCode()).as(apply.body()).isEqualTo(422);
    assertThat(json(apply).path("reason").asText()).isEqualTo("Invalid");
    assertThat(json(apply).path("message").asText())
        .isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    HttpResponse<String> cbor = server.send("PATCH", ns("patch") + "/p?fieldManager=m", "{}", "Content-Type",
        "application/apply-patch+cbor");
    assertThat(cbor.statusCode()).isEqualTo(415);
    assertThat(json(cbor).path("reason").asText()).isEqualTo("UnsupportedMediaType");
    HttpResponse<String> forcedMerge = server.send("PATCH", ns("patch") + "/p?force=true", "{}", "Content-Type",
        "application/merge-patch+json");
    assertThat(forcedMerge.statusCode()).as(forcedMerge.body()).isEqualTo(422);
    assertThat(json(forcedMerge).path("message").asText()).contains("force: Forbidden: may not be specified for non-apply patch");
  }

  static final String APPLY_YAML = "application/apply-patch+yaml";

  static String appliedFlunder(String name, String reference) {
    return """
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata:
          name: %s
        spec:
          reference: %s
        """.formatted(name, reference);
  }

  static JsonNode managedEntry(JsonNode object, String manager, String operation) {
    for (JsonNode e : object.path("metadata").path("managedFields")) {
      if (e.path("manager").asText().equals(manager) && e.path("operation").asText().equals(operation)) {
        return e;
      }
    }
    return null;
  }

  @Test
  void applyCreatesAMissingObjectNamedByTheUrlThenConflictsWithAnotherManagerUnlessForced() throws Exception {
    HttpResponse<String> created = server.send("PATCH", ns("apply") + "/a?fieldManager=first",
        appliedFlunder("a", "one"), "Content-Type", APPLY_YAML);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode o = json(created);
    assertThat(o.path("metadata").path("namespace").asText()).isEqualTo("apply");
    assertThat(o.path("metadata").path("uid").asText()).hasSize(36);
    assertThat(o.path("spec").path("referenceType").asText()).as("schema default").isEqualTo("Flunder");
    JsonNode first = managedEntry(o, "first", "Apply");
    assertThat(first).as(created.body()).isNotNull();
    assertThat(first.path("apiVersion").asText()).isEqualTo("wardle.example.com/v1alpha1");
    assertThat(first.path("fieldsType").asText()).isEqualTo("FieldsV1");
    assertThat(first.path("fieldsV1").path("f:spec").has("f:reference")).isTrue();
    assertThat(first.path("fieldsV1").path("f:spec").has("f:referenceType")).as("defaults are never owned").isFalse();

    HttpResponse<String> conflict = server.send("PATCH", ns("apply") + "/a?fieldManager=second",
        appliedFlunder("a", "two"), "Content-Type", APPLY_YAML);
    assertThat(conflict.statusCode()).as(conflict.body()).isEqualTo(409);
    JsonNode status = json(conflict);
    assertThat(status.path("reason").asText()).isEqualTo("Conflict");
    assertThat(status.path("message").asText())
        .isEqualTo("Apply failed with 1 conflict: conflict with \"first\": .spec.reference");
    assertThat(status.path("details").path("causes").get(0).path("reason").asText()).isEqualTo("FieldManagerConflict");
    assertThat(status.path("details").path("causes").get(0).path("field").asText()).isEqualTo(".spec.reference");
    assertThat(json(server.get(ns("apply") + "/a")).path("spec").path("reference").asText()).isEqualTo("one");

    HttpResponse<String> forced = server.send("PATCH", ns("apply") + "/a?fieldManager=second&force=true",
        appliedFlunder("a", "two"), "Content-Type", APPLY_YAML);
    assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
    JsonNode after = json(server.get(ns("apply") + "/a"));
    assertThat(after.path("spec").path("reference").asText()).isEqualTo("two");
    assertThat(managedEntry(after, "second", "Apply").path("fieldsV1").path("f:spec").has("f:reference")).isTrue();
    assertThat(managedEntry(after, "first", "Apply")).as("first no longer owns anything").isNull();
    assertThat(after.path("metadata").path("generation").asInt()).isEqualTo(2);
  }

  @Test
  void applyRefusesANameOtherThanTheUrlsAndDryRunStoresNothing() throws Exception {
    HttpResponse<String> misnamed = server.send("PATCH", ns("applyname") + "/a?fieldManager=m",
        appliedFlunder("b", "one"), "Content-Type", APPLY_YAML);
    assertThat(misnamed.statusCode()).as(misnamed.body()).isEqualTo(400);
    assertThat(json(misnamed).path("message").asText())
        .isEqualTo("the name of the object (b) does not match the name on the URL (a)");

    HttpResponse<String> dryCreate = server.send("PATCH", ns("applyname") + "/a?fieldManager=m&dryRun=All",
        appliedFlunder("a", "one"), "Content-Type", APPLY_YAML);
    assertThat(dryCreate.statusCode()).as(dryCreate.body()).isEqualTo(201);
    assertThat(managedEntry(json(dryCreate), "m", "Apply")).isNotNull();
    assertThat(server.get(ns("applyname") + "/a").statusCode()).isEqualTo(404);

    server.send("PATCH", ns("applyname") + "/a?fieldManager=m", appliedFlunder("a", "one"), "Content-Type", APPLY_YAML);
    HttpResponse<String> dryUpdate = server.send("PATCH", ns("applyname") + "/a?fieldManager=m&dryRun=All",
        appliedFlunder("a", "two"), "Content-Type", APPLY_YAML);
    assertThat(dryUpdate.statusCode()).as(dryUpdate.body()).isEqualTo(200);
    assertThat(json(dryUpdate).path("spec").path("reference").asText()).isEqualTo("two");
    assertThat(json(server.get(ns("applyname") + "/a")).path("spec").path("reference").asText()).isEqualTo("one");

    HttpResponse<String> unreadable = server.send("PATCH", ns("applyname") + "/a?fieldManager=m", "a: [",
        "Content-Type", APPLY_YAML);
    assertThat(unreadable.statusCode()).isEqualTo(400);
    assertThat(json(unreadable).path("message").asText()).startsWith("error decoding YAML: ");
  }

  @Test
  void applyThroughStatusTouchesStatusOnlyAndIsNoCreate() throws Exception {
    server.send("PATCH", ns("applystatus") + "/s?fieldManager=spec-owner", appliedFlunder("s", "one"),
        "Content-Type", APPLY_YAML);
    String statusApply = """
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata:
          name: s
        spec:
          reference: ignored
        status:
          phase: Ready
        """;
    HttpResponse<String> applied = server.send("PATCH", ns("applystatus") + "/s/status?fieldManager=controller",
        statusApply, "Content-Type", APPLY_YAML);
    assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
    JsonNode o = json(server.get(ns("applystatus") + "/s"));
    assertThat(o.path("status").path("phase").asText()).isEqualTo("Ready");
    assertThat(o.path("spec").path("reference").asText()).isEqualTo("one");
    JsonNode entry = managedEntry(o, "controller", "Apply");
    assertThat(entry).as(o.toString()).isNotNull();
    assertThat(entry.path("subresource").asText()).isEqualTo("status");
    assertThat(entry.path("fieldsV1").has("f:spec")).isFalse();
    assertThat(entry.path("fieldsV1").path("f:status").has("f:phase")).isTrue();
    assertThat(managedEntry(o, "spec-owner", "Apply")).isNotNull();

    HttpResponse<String> missing = server.send("PATCH", ns("applystatus") + "/ghost/status?fieldManager=controller",
        statusApply.replace("name: s", "name: ghost"), "Content-Type", APPLY_YAML);
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void createUpdateAndPatchRecordUpdateOwnershipByFieldManagerOrUserAgent() throws Exception {
    HttpResponse<String> created = server.post(ns("owners") + "?fieldManager=creator", flunder("u", "a"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode creator = managedEntry(json(created), "creator", "Update");
    assertThat(creator).as(created.body()).isNotNull();
    assertThat(creator.path("fieldsV1").path("f:spec").has("f:reference")).isTrue();
    assertThat(creator.has("subresource")).isFalse();

    HttpResponse<String> patched = server.send("PATCH", ns("owners") + "/u", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}",
        "Content-Type", "application/merge-patch+json", "User-Agent", "my-tool/1.0 (linux/amd64)");
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    JsonNode tool = managedEntry(json(patched), "my-tool", "Update");
    assertThat(tool).as(patched.body()).isNotNull();
    assertThat(tool.path("fieldsV1").path("f:metadata").path("f:labels").has("f:x")).isTrue();
    assertThat(managedEntry(json(patched), "creator", "Update")).isNotNull();

    JsonNode current = json(server.get(ns("owners") + "/u"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) current.path("spec")).put("reference", "b");
    HttpResponse<String> updated = server.put(ns("owners") + "/u?fieldManager=replacer", current.toString());
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    assertThat(managedEntry(json(updated), "replacer", "Update").path("fieldsV1").path("f:spec").has("f:reference"))
        .isTrue();
    assertThat(managedEntry(json(updated), "creator", "Update").path("fieldsV1").path("f:spec").has("f:reference"))
        .as("the replacer took spec.reference over").isFalse();

    HttpResponse<String> status = server.send("PATCH", ns("owners") + "/u/status?fieldManager=reporter",
        "{\"status\":{\"phase\":\"Done\"}}", "Content-Type", "application/merge-patch+json");
    assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
    JsonNode reporter = managedEntry(json(status), "reporter", "Update");
    assertThat(reporter).as(status.body()).isNotNull();
    assertThat(reporter.path("subresource").asText()).isEqualTo("status");
    assertThat(reporter.path("fieldsV1").path("f:status").has("f:phase")).isTrue();
    assertThat(managedEntry(json(server.get(ns("owners") + "/u")), "reporter", "Update")).isNotNull();
  }

  @Test
  void dryRunWritesNothing() throws Exception {
    HttpResponse<String> created = server.post(ns("dry") + "?dryRun=All", flunder("d", "a"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(json(created).path("metadata").path("uid").asText()).isNotEmpty();
    assertThat(server.get(ns("dry") + "/d").statusCode()).isEqualTo(404);
    server.post(ns("dry"), flunder("d", "a"));
    server.send("PATCH", ns("dry") + "/d?dryRun=All", "{\"spec\":{\"reference\":\"z\"}}", "Content-Type", "application/merge-patch+json");
    assertThat(json(server.get(ns("dry") + "/d")).path("spec").path("reference").asText()).isEqualTo("a");
    assertThat(server.send("DELETE", ns("dry") + "/d?dryRun=All", null).statusCode()).isEqualTo(200);
    assertThat(server.get(ns("dry") + "/d").statusCode()).isEqualTo(200);
  }

  @Test
  void finalizersMakeDeleteWaitAndRemovingTheLastOneCompletesIt() throws Exception {
    server.post(ns("fin"), flunder("f", "a").replace("\"labels\"", "\"finalizers\":[\"example.com/keep\"],\"labels\""));
    HttpResponse<String> deleting = server.delete(ns("fin") + "/f");
    assertThat(deleting.statusCode()).isEqualTo(200);
    JsonNode o = json(deleting);
    assertThat(o.path("kind").asText()).isEqualTo("Flunder");
    assertThat(o.path("metadata").path("deletionTimestamp").asText()).isNotEmpty();
    assertThat(o.path("metadata").path("generation").asInt()).isEqualTo(2);
    HttpResponse<String> addFinalizer = server.send("PATCH", ns("fin") + "/f",
        "{\"metadata\":{\"finalizers\":[\"example.com/keep\",\"example.com/new\"]}}", "Content-Type", "application/merge-patch+json");
    assertThat(addFinalizer.statusCode()).isEqualTo(422);
    assertThat(server.get(ns("fin") + "/f").statusCode()).isEqualTo(200);
    HttpResponse<String> release = server.send("PATCH", ns("fin") + "/f", "{\"metadata\":{\"finalizers\":null}}",
        "Content-Type", "application/merge-patch+json");
    assertThat(release.statusCode()).as(release.body()).isEqualTo(200);
    assertThat(server.get(ns("fin") + "/f").statusCode()).isEqualTo(404);
  }

  @Test
  void deleteAnswersSuccessStatusAndHonoursPreconditions() throws Exception {
    JsonNode created = json(server.post(ns("del"), flunder("d", "a")));
    HttpResponse<String> wrongUid = server.send("DELETE", ns("del") + "/d",
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"uid\":\"other\"}}");
    assertThat(wrongUid.statusCode()).isEqualTo(409);
    HttpResponse<String> deleted = server.send("DELETE", ns("del") + "/d",
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"Background\"}");
    assertThat(deleted.statusCode()).isEqualTo(200);
    JsonNode status = json(deleted);
    assertThat(status.path("status").asText()).isEqualTo("Success");
    assertThat(status.path("details").path("uid")).isEqualTo(created.path("metadata").path("uid"));
  }

  @Test
  void listsSelectPageAndContinueAtOneSnapshot() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.post(ns("page"), flunder("p" + i, "r"));
    }
    server.post(ns("page-other"), flunder("elsewhere", "r"));
    JsonNode first = json(server.get(ns("page") + "?limit=2"));
    assertThat(first.path("kind").asText()).isEqualTo("FlunderList");
    assertThat(first.path("items")).hasSize(2);
    assertThat(first.path("metadata").path("remainingItemCount").asInt()).isEqualTo(3);
    String token = first.path("metadata").path("continue").asText();
    server.post(ns("page"), flunder("p10", "r"));
    JsonNode second = json(server.get(ns("page") + "?limit=10&continue=" + token));
    assertThat(second.path("items")).hasSize(3);
    assertThat(second.path("metadata").has("continue")).isFalse();
    assertThat(second.path("metadata").path("resourceVersion")).isEqualTo(first.path("metadata").path("resourceVersion"));

    assertThat(json(server.get(ns("page") + "?labelSelector=app%3Dp1")).path("items")).hasSize(1);
    assertThat(json(server.get(ns("page") + "?labelSelector=app%20in%20(p1,p2)")).path("items")).hasSize(2);
    assertThat(json(server.get(ns("page") + "?fieldSelector=metadata.name%3Dp3")).path("items")).hasSize(1);
    JsonNode all = json(server.get(WARDLE + "/flunders?fieldSelector=metadata.namespace%3Dpage-other"));
    assertThat(all.path("items")).hasSize(1);
    HttpResponse<String> badField = server.get(ns("page") + "?fieldSelector=spec.reference%3Dr");
    assertThat(badField.statusCode()).isEqualTo(400);
    HttpResponse<String> badToken = server.get(ns("page") + "?continue=garbage");
    assertThat(badToken.statusCode()).isEqualTo(400);
  }

  @Test
  void exactListReadsAnOlderSnapshot() throws Exception {
    JsonNode a = json(server.post(ns("exact"), flunder("a", "r")));
    server.post(ns("exact"), flunder("b", "r"));
    String rv = a.path("metadata").path("resourceVersion").asText();
    JsonNode old = json(server.get(ns("exact") + "?resourceVersion=" + rv + "&resourceVersionMatch=Exact"));
    assertThat(old.path("items")).hasSize(1);
    assertThat(old.path("metadata").path("resourceVersion").asText()).isEqualTo(rv);
  }

  @Test
  void tablesUsePrinterColumnsAndPartialMetadataLeavesTheRestOut() throws Exception {
    server.post(ns("tab"), flunder("t", "ref"));
    HttpResponse<String> table = server.get(ns("tab"), "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    assertThat(table.statusCode()).isEqualTo(200);
    assertThat(table.headers().firstValue("content-type")).hasValue("application/json;as=Table;v=v1;g=meta.k8s.io");
    JsonNode t = json(table);
    assertThat(t.path("kind").asText()).isEqualTo("Table");
    List<String> columns = new ArrayList<>();
    t.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
    assertThat(columns).containsExactly("Name", "Reference", "Type", "Age");
    assertThat(t.path("rows").get(0).path("cells").get(0).asText()).isEqualTo("t");
    assertThat(t.path("rows").get(0).path("cells").get(1).asText()).isEqualTo("ref");
    assertThat(t.path("metadata").path("resourceVersion").asText()).isNotEmpty();
    assertThat(t.path("rows").get(0).path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
    JsonNode none = json(server.get(ns("tab") + "?includeObject=None", "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"));
    assertThat(none.path("rows").get(0).has("object") && !none.path("rows").get(0).path("object").isNull()).isFalse();

    JsonNode partial = json(server.get(ns("tab"), "Accept", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"));
    assertThat(partial.path("kind").asText()).isEqualTo("PartialObjectMetadataList");
    assertThat(partial.path("items").get(0).has("spec")).isFalse();
    assertThat(partial.path("items").get(0).path("metadata").path("name").asText()).isEqualTo("t");
    HttpResponse<String> protobufThenJson = server.get(ns("tab") + "/t", "Accept", "application/vnd.kubernetes.protobuf, application/json");
    assertThat(protobufThenJson.statusCode()).isEqualTo(200);
    assertThat(server.get(ns("tab") + "/t", "Accept", "application/vnd.kubernetes.protobuf").statusCode()).isEqualTo(406);
  }

  @Test
  void fieldValidationStrictRejectsWarnWarnsAndIgnorePrunes() throws Exception {
    String unknown = flunder("fv", "a").replace("\"reference\":\"a\"", "\"reference\":\"a\",\"bogus\":1");
    HttpResponse<String> strict = server.post(ns("fv") + "?fieldValidation=Strict", unknown);
    assertThat(strict.statusCode()).isEqualTo(400);
    assertThat(json(strict).path("message").asText()).isEqualTo("strict decoding error: unknown field \"spec.bogus\"");
    HttpResponse<String> warn = server.post(ns("fv") + "?fieldValidation=Warn", unknown);
    assertThat(warn.statusCode()).isEqualTo(201);
    assertThat(warn.headers().firstValue("warning")).hasValue("299 - \"unknown field \\\"spec.bogus\\\"\"");
    assertThat(json(warn).path("spec").has("bogus")).isFalse();
    HttpResponse<String> ignore = server.post(ns("fv") + "?fieldValidation=Ignore", unknown.replace("\"fv\"", "\"fv2\""));
    assertThat(ignore.headers().firstValue("warning")).isEmpty();
  }

  @Test
  void deleteCollectionRemovesTheSelectedObjects() throws Exception {
    server.post(ns("dc"), flunder("keep", "a"));
    server.post(ns("dc"), flunder("drop", "a"));
    HttpResponse<String> r = server.send("DELETE", ns("dc") + "?labelSelector=app%3Ddrop", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("items")).hasSize(1);
    assertThat(json(server.get(ns("dc"))).path("items")).hasSize(1);
  }

  @Test
  void clusterScopedResourcesLiveOutsideNamespaces() throws Exception {
    String fischer = "{\"apiVersion\":\"wardle.example.com/v1alpha1\",\"kind\":\"Fischer\",\"metadata\":{\"name\":\"f1\"},"
        + "\"disallowedFlunders\":[\"a\"]}";
    HttpResponse<String> created = server.post(WARDLE + "/fischers", fischer);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(json(created).path("metadata").has("namespace")).isFalse();
    assertThat(server.get(WARDLE + "/namespaces/x/fischers/f1").statusCode()).isEqualTo(404);
    assertThat(json(server.get(WARDLE + "/fischers/f1")).path("disallowedFlunders").get(0).asText()).isEqualTo("a");
  }

  @Test
  void watchStreamsChangesFromAResourceVersionAndEndsAtTheTimeout() throws Exception {
    JsonNode first = json(server.post(ns("watch"), flunder("w1", "a")));
    String rv = first.path("metadata").path("resourceVersion").asText();
    BlockingQueue<String> lines = stream(ns("watch") + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=3");
    server.post(ns("watch"), flunder("w2", "a"));
    server.delete(ns("watch") + "/w1");
    JsonNode added = next(lines);
    assertThat(added.path("type").asText()).isEqualTo("ADDED");
    assertThat(added.path("object").path("metadata").path("name").asText()).isEqualTo("w2");
    assertThat(added.path("object").path("apiVersion").asText()).isEqualTo("wardle.example.com/v1alpha1");
    JsonNode deleted = next(lines);
    assertThat(deleted.path("type").asText()).isEqualTo("DELETED");
    assertThat(lines.poll(10, TimeUnit.SECONDS)).as("the end of the stream after timeoutSeconds").isEqualTo(END);
  }

  @Test
  void watchWithSendInitialEventsEndsTheInitialStateWithABookmark() throws Exception {
    server.post(ns("initial"), flunder("i1", "a"));
    BlockingQueue<String> lines = stream(ns("initial") + "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
        + "&resourceVersionMatch=NotOlderThan&timeoutSeconds=5");
    assertThat(next(lines).path("type").asText()).isEqualTo("ADDED");
    JsonNode bookmark = next(lines);
    assertThat(bookmark.path("type").asText()).isEqualTo("BOOKMARK");
    assertThat(bookmark.path("object").path("metadata").path("annotations").path("k8s.io/initial-events-end").asText())
        .isEqualTo("true");
  }

  @Test
  void watchFromATooOldResourceVersionIsOneExpiredErrorEvent() throws Exception {
    try (RunningServer small = new RunningServer(
        java.nio.file.Files.createDirectories(dir.resolve("small-history")), "--watch-history-size=2")) {
      for (int i = 0; i < 5; i++) {
        small.post(ns("old"), flunder("o" + i, "a"));
      }
      HttpResponse<String> r = small.get(ns("old") + "?watch=true&resourceVersion=1");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode event = RunningServer.JSON.readTree(r.body().trim());
      assertThat(event.path("type").asText()).isEqualTo("ERROR");
      assertThat(event.path("object").path("code").asInt()).isEqualTo(410);
      assertThat(event.path("object").path("reason").asText()).isEqualTo("Expired");
      assertThat(event.path("object").path("message").asText()).startsWith("too old resource version: 1 (");
      JsonNode page = json(small.get(ns("old") + "?limit=1"));
      String token = page.path("metadata").path("continue").asText();
      for (int i = 5; i < 10; i++) {
        small.post(ns("old"), flunder("o" + i, "a"));
      }
      HttpResponse<String> expired = small.get(ns("old") + "?limit=1&continue=" + token);
      assertThat(expired.statusCode()).isEqualTo(410);
      assertThat(json(expired).path("reason").asText()).isEqualTo("Expired");
    }
  }

  static final String END = "<end of stream>";

  private static BlockingQueue<String> stream(String path) throws Exception {
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(1000);
    HttpResponse<InputStream> r = server.client().send(HttpRequest.newBuilder(server.uri(path)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (Exception e) {
        lines.add("<error " + e + ">");
      }
      lines.add(END);
    }, "watch-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static JsonNode next(BlockingQueue<String> lines) throws Exception {
    String line = lines.poll(10, TimeUnit.SECONDS);
    assertThat(line).as("a watch event within 10 s").isNotNull().isNotEqualTo(END);
    return RunningServer.JSON.readTree(line);
  }

}
