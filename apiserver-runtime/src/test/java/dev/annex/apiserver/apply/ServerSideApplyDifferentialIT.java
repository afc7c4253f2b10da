package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.testsupport.RunningServer;
import dev.annex.testing.controlplane.ControlPlane;
import dev.annex.testing.controlplane.ControlPlaneExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same {@code kubectl} server-side-apply sequence against kube-apiserver serving a CRD made
 * from the wardle example and against the runtime serving the example itself: every step must exit
 * and print the same, and the final objects, managedFields included, must be equal but for what
 * each server mints (uid, resourceVersion, timestamps).
 */
@ExtendWith(ControlPlaneExtension.class)
class ServerSideApplyDifferentialIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAMESPACE = "ssa-diff";
  private static final long TIMEOUT_SECONDS = 60;

  @TempDir
  static Path dir;
  static RunningServer runtime;
  static Path runtimeKubeconfig;
  static Path referenceKubeconfig;

  @BeforeAll
  static void start(ControlPlane plane) throws Exception {
    runtime = new RunningServer(dir);
    runtimeKubeconfig = runtime.writeKubeconfig(dir.resolve("runtime.kubeconfig"), NAMESPACE);
    referenceKubeconfig = plane.adminKubeconfig();
    kubectl(referenceKubeconfig, "apply", "-f", write("crd.json", crdFor(ApiDefinition.read(RunningServer.wardleDefinition()),
        "Flunder")).toString()).assertSucceeded();
    kubectl(referenceKubeconfig, "wait", "--for=condition=Established", "--timeout=60s",
        "crd/flunders.wardle.example.com").assertSucceeded();
    kubectl(referenceKubeconfig, "create", "namespace", NAMESPACE).assertSucceeded();
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void twoManagersConflictsForceAndAnUpdateLeaveTheSameObjectAndManagedFields() throws Exception {
    Path alice = write("alice.yaml", flunder("""
          labels: {app: wardle, tier: one}
        spec:
          reference: first
        """));
    Path bob = write("bob.yaml", flunder("""
          labels: {team: bob}
        spec:
          referenceType: Fischer
        """));
    Path bobTakesReference = write("bob2.yaml", flunder("""
          labels: {team: bob}
        spec:
          referenceType: Fischer
          reference: bobs
        """));
    Path aliceDropsALabel = write("alice2.yaml", flunder("""
          labels: {app: wardle}
        spec:
          reference: bobs
        """));

    List<List<String>> steps = List.of(
        List.of("apply", "--server-side", "--field-manager=alice", "-f", alice.toString()),
        List.of("apply", "--server-side", "--field-manager=bob", "-f", bob.toString()),
        List.of("apply", "--server-side", "--field-manager=bob", "-f", bobTakesReference.toString()),
        List.of("apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", bobTakesReference.toString()),
        List.of("apply", "--server-side", "--field-manager=alice", "-f", aliceDropsALabel.toString()),
        List.of("label", "flunder", "diff", "extra=by-kubectl-label"),
        List.of("patch", "flunder", "diff", "--type=merge", "-p", "{\"spec\":{\"reference\":\"patched\"}}"),
        List.of("apply", "--server-side", "--field-manager=alice", "-f", aliceDropsALabel.toString()));
    List<Result> referenceResults = new ArrayList<>();
    for (List<String> step : steps) {
      Result reference = kubectl(referenceKubeconfig, step.toArray(String[]::new));
      referenceResults.add(reference);
      Result annex = kubectl(runtimeKubeconfig, step.toArray(String[]::new));
      assertThat(annex.exit()).as("exit code of kubectl %s; reference printed %s; runtime printed %s", step,
          reference, annex).isEqualTo(reference.exit());
      assertThat(annex.out()).as("stdout of kubectl %s", step).isEqualTo(reference.out());
      assertThat(annex.err()).as("stderr of kubectl %s", step).isEqualTo(reference.err());
    }
    // the sequence really exercises a conflict, then its forced resolution
    assertThat(referenceResults.get(2).exit()).isNotZero();
    assertThat(referenceResults.get(2).err()).contains("Apply failed with 1 conflict", "alice", ".spec.reference");
    assertThat(referenceResults.get(3).exit()).isZero();
    JsonNode expected = comparable(kubectl(referenceKubeconfig, "get", "flunder", "diff", "-o", "json",
        "--show-managed-fields").assertSucceeded());
    JsonNode actual = comparable(kubectl(runtimeKubeconfig, "get", "flunder", "diff", "-o", "json",
        "--show-managed-fields").assertSucceeded());
    assertThat(actual.path("metadata").path("managedFields")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(actual.path("metadata").path("labels").path("extra").asText()).isEqualTo("by-kubectl-label");
    assertThat(actual.toPrettyString()).isEqualTo(expected.toPrettyString());
  }

  private static String flunder(String rest) {
    return """
        apiVersion: wardle.example.com/v1alpha1
        kind: Flunder
        metadata:
          name: diff
        """ + rest;
  }

  /** The object without what each server mints for itself. */
  private static JsonNode comparable(String json) throws IOException {
    ObjectNode object = (ObjectNode) JSON.readTree(json);
    ObjectNode meta = (ObjectNode) object.get("metadata");
    meta.remove(List.of("uid", "resourceVersion", "creationTimestamp"));
    List<JsonNode> entries = new ArrayList<>();
    for (JsonNode entry : meta.path("managedFields")) {
      ((ObjectNode) entry).remove("time");
      entries.add(entry);
    }
    // Entries are ordered by their times (to the second) before their managers; the times are minted by
    // each server and left out above, so is the order they make: steps that straddle a second on one
    // server and not on the other made this comparison fail at random. Same order: operation, manager.
    entries.sort(java.util.Comparator.comparing((JsonNode e) -> e.path("operation").asText())
        .thenComparing(e -> e.path("manager").asText()).thenComparing(e -> e.path("subresource").asText()));
    if (meta.has("managedFields")) {
      meta.putArray("managedFields").addAll(entries);
    }
    return object;
  }

  /** A CustomResourceDefinition with the kind's names, scope, versions and schema. */
  private static String crdFor(ApiDefinition api, String kind) {
    Resource resource = api.resources().stream().filter(r -> r.kind().equals(kind)).findFirst().orElseThrow();
    ObjectNode crd = JSON.createObjectNode();
    crd.put("apiVersion", "apiextensions.k8s.io/v1").put("kind", "CustomResourceDefinition");
    crd.putObject("metadata").put("name", resource.plural() + "." + api.group());
    ObjectNode spec = crd.putObject("spec");
    spec.put("group", api.group()).put("scope", resource.scope().name());
    ObjectNode names = spec.putObject("names");
    names.put("kind", resource.kind()).put("plural", resource.plural()).put("singular", resource.singular());
    resource.shortNames().forEach(names.withArray("shortNames")::add);
    resource.categories().forEach(names.withArray("categories")::add);
    ArrayNode versions = spec.putArray("versions");
    for (ApiDefinition.Version version : api.versions()) {
      ObjectNode v = versions.addObject();
      v.put("name", version.name()).put("served", version.served()).put("storage", version.storage());
      v.putObject("schema").set("openAPIV3Schema", resource.openAPIV3Schema());
      if (resource.statusSubresource()) {
        v.putObject("subresources").putObject("status");
      }
    }
    return crd.toPrettyString();
  }

  record Result(int exit, String out, String err) {
    String assertSucceeded() {
      assertThat(exit).as("kubectl exit code; stderr: %s", err).isZero();
      return out;
    }
  }

  private static Result kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache-" + kubeconfig.getFileName()).toString(), "-n", NAMESPACE));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    try {
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(),
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }

  private static Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
