package dev.annex.apiserver.kubectl;

import dev.annex.apiserver.testsupport.RunningServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code kubectl} binary against the runtime, authenticated by a client certificate signed
 * by {@code --client-ca-file}; every step asserts what kubectl printed. Steps build on each other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlTest {

  private static final long COMMAND_TIMEOUT_SECONDS = 30;

  @TempDir
  static Path dir;
  static RunningServer server;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    server = new RunningServer(dir);
    kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"), "wardle");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Runs kubectl to completion (killed by its pid after the timeout) and returns stdout; fails on a non-zero exit. */
  static String kubectl(String... args) throws Exception {
    Result r = run(args);
    assertThat(r.exit).as("kubectl %s exit code; stderr: %s", String.join(" ", args), r.err).isZero();
    return r.out;
  }

  record Result(int exit, String out, String err) {
  }

  static Result run(String... args) throws Exception {
    Process p = new ProcessBuilder(command(args)).redirectErrorStream(false).start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache").toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Path file(String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  static final String FLUNDER = """
      apiVersion: wardle.example.com/v1alpha1
      kind: Flunder
      metadata:
        name: first
        labels: {app: demo}
      spec:
        reference: somewhere
      """;

  @Test
  @Order(1)
  void apiResourcesListsTheGroupsKinds() throws Exception {
    String out = kubectl("api-resources", "--api-group=wardle.example.com");
    assertThat(out).containsPattern("fischers\\s+wardle.example.com/v1beta1\\s+false\\s+Fischer");
    assertThat(out).containsPattern("flunders\\s+fl\\s+wardle.example.com/v1beta1\\s+true\\s+Flunder");
  }

  @Test
  @Order(2)
  void createThenGetAsTableAndYaml() throws Exception {
    assertThat(kubectl("create", "-f", file("first.yaml", FLUNDER).toString()))
        .isEqualTo("flunder.wardle.example.com/first created\n");
    String table = kubectl("get", "flunders");
    assertThat(table).containsPattern("NAME\\s+REFERENCE\\s+TYPE\\s+AGE");
    assertThat(table).containsPattern("first\\s+somewhere\\s+Flunder\\s+\\d+s");
    String yaml = kubectl("get", "fl", "first", "-o", "yaml");
    assertThat(yaml).contains("apiVersion: wardle.example.com/v1beta1").contains("kind: Flunder")
        .contains("namespace: wardle").contains("referenceType: Flunder").contains("uid: ");
  }

  @Test
  @Order(3)
  void clientSideApplyCreatesAndConfigures() throws Exception {
    Path f = file("applied.yaml", FLUNDER.replace("name: first", "name: applied"));
    assertThat(kubectl("apply", "-f", f.toString())).isEqualTo("flunder.wardle.example.com/applied created\n");
    Files.writeString(f, FLUNDER.replace("name: first", "name: applied").replace("somewhere", "elsewhere"));
    assertThat(kubectl("apply", "-f", f.toString())).isEqualTo("flunder.wardle.example.com/applied configured\n");
    assertThat(kubectl("get", "flunder", "applied", "-o", "jsonpath={.spec.reference}")).isEqualTo("elsewhere");
  }

  @Test
  @Order(4)
  void patchAndReplace() throws Exception {
    assertThat(kubectl("patch", "flunder", "first", "--type=merge", "-p", "{\"spec\":{\"reference\":\"patched\"}}"))
        .isEqualTo("flunder.wardle.example.com/first patched\n");
    assertThat(kubectl("patch", "flunder", "first", "--type=json", "-p",
        "[{\"op\":\"replace\",\"path\":\"/spec/referenceType\",\"value\":\"Fischer\"}]"))
        .isEqualTo("flunder.wardle.example.com/first patched\n");
    String edited = kubectl("get", "flunder", "first", "-o", "yaml").replace("reference: patched", "reference: replaced");
    assertThat(kubectl("replace", "-f", file("edited.yaml", edited).toString()))
        .isEqualTo("flunder.wardle.example.com/first replaced\n");
    assertThat(kubectl("get", "flunder", "first", "-o", "jsonpath={.spec.reference}/{.spec.referenceType}/{.metadata.generation}"))
        .isEqualTo("replaced/Fischer/4");
  }

  @Test
  @Order(5)
  void invalidObjectsAreRefusedWithTheServersMessage() throws Exception {
    Result r = run("create", "-f", file("bad.yaml", FLUNDER.replace("name: first", "name: bad")
        .replace("reference: somewhere", "referenceType: Other")).toString());
    assertThat(r.exit).isNotZero();
    assertThat(r.err).contains("The Flunder \"bad\" is invalid: spec.referenceType: Unsupported value: \"Other\"");
  }

  @Test
  @Order(6)
  void getWatchPrintsNewObjects() throws Exception {
    Process watch = new ProcessBuilder(command("get", "flunders", "--watch", "--request-timeout=60s")).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l = in.readLine(); l != null; l = in.readLine()) {
          lines.add(l);
        }
      } catch (IOException ignored) {
        // the process was stopped
      }
    }, "kubectl-watch-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(waitForLine(lines, "first")).as("the initial list").isTrue();
      kubectl("create", "-f", file("watched.yaml", FLUNDER.replace("name: first", "name: watched")).toString());
      assertThat(waitForLine(lines, "watched")).as("the watched object's row").isTrue();
    } finally {
      watch.destroy();
      if (!watch.waitFor(10, TimeUnit.SECONDS)) {
        watch.destroyForcibly();
      }
    }
  }

  private static boolean waitForLine(BlockingQueue<String> lines, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String l = lines.poll(1, TimeUnit.SECONDS);
      if (l != null && l.startsWith(prefix + " ")) {
        return true;
      }
    }
    return false;
  }

  @Test
  @Order(7)
  void explainReadsTheSchema() throws Exception {
    String out = kubectl("explain", "flunders.spec");
    assertThat(out).contains("KIND:").contains("Flunder").contains("reference").contains("referenceType");
  }

  @Test
  @Order(8)
  void deleteRemovesTheObject() throws Exception {
    assertThat(kubectl("delete", "flunder", "first")).isEqualTo("flunder.wardle.example.com \"first\" deleted\n");
    Result r = run("get", "flunder", "first");
    assertThat(r.exit).isNotZero();
    // kubectl follows a NotFound with a look-up of the namespace, which this server has no /api for.
    assertThat(r.err).contains("NotFound");
    assertThat(kubectl("get", "flunders", "-o", "name")).doesNotContain("flunder.wardle.example.com/first\n")
        .contains("flunder.wardle.example.com/applied");
  }

  @Test
  @Order(9)
  void serverSideApplyCreatesConflictsWithAnotherManagerAndForces() throws Exception {
    String ssa = FLUNDER.replace("name: first", "name: ssa");
    Path f = file("ssa.yaml", ssa);
    assertThat(kubectl("apply", "--server-side", "-f", f.toString()))
        .isEqualTo("flunder.wardle.example.com/ssa serverside-applied\n");
    Files.writeString(f, ssa.replace("somewhere", "elsewhere"));
    Result conflict = run("apply", "--server-side", "--field-manager=other", "-f", f.toString());
    assertThat(conflict.exit).isNotZero();
    assertThat(conflict.err).contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.reference")
        .contains("Please review the fields above--they currently have other managers.");
    assertThat(kubectl("get", "flunder", "ssa", "-o", "jsonpath={.spec.reference}")).isEqualTo("somewhere");
    assertThat(kubectl("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", f.toString()))
        .isEqualTo("flunder.wardle.example.com/ssa serverside-applied\n");
    assertThat(kubectl("get", "flunder", "ssa", "-o", "jsonpath={.spec.reference}")).isEqualTo("elsewhere");
    String yaml = kubectl("get", "flunder", "ssa", "-o", "yaml", "--show-managed-fields");
    assertThat(yaml).contains("managedFields:").contains("manager: kubectl").contains("manager: other")
        .contains("operation: Apply").contains("fieldsType: FieldsV1").contains("f:reference: {}");
    assertThat(kubectl("get", "flunder", "ssa", "-o", "yaml")).as("kubectl hides them by default")
        .doesNotContain("managedFields:");
  }

  @Test
  @Order(10)
  void serverSideApplyTakesOverFromAClientSideApply() throws Exception {
    // "applied" was created and configured by client-side apply (step 3); kubectl upgrades its managedFields first.
    assertThat(kubectl("get", "flunder", "applied", "-o", "yaml", "--show-managed-fields"))
        .contains("manager: kubectl-client-side-apply").contains("operation: Update");
    Path f = file("applied.yaml", FLUNDER.replace("name: first", "name: applied").replace("somewhere", "thirdplace"));
    assertThat(kubectl("apply", "--server-side", "-f", f.toString()))
        .isEqualTo("flunder.wardle.example.com/applied serverside-applied\n");
    assertThat(kubectl("get", "flunder", "applied", "-o", "jsonpath={.spec.reference}")).isEqualTo("thirdplace");
    String yaml = kubectl("get", "flunder", "applied", "-o", "yaml", "--show-managed-fields");
    assertThat(yaml).contains("manager: kubectl\n").contains("operation: Apply")
        .doesNotContain("manager: kubectl-client-side-apply");
  }
}
