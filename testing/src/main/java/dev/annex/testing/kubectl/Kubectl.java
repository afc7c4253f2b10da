package dev.annex.testing.kubectl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The real kubectl with one kubeconfig; every run is bounded and stopped by its pid. */
public record Kubectl(Path kubeconfig, Path cacheDir) {
  public static final long TIMEOUT_SECONDS = 60;

  public record Result(int exit, String out, String err) {
  }

  /** Runs kubectl to completion and returns stdout; fails the test on a non-zero exit. */
  public String run(String... args) throws Exception {
    Result r = result(args);
    if (r.exit() != 0) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " exited with " + r.exit() + "; stderr: " + r.err());
    }
    return r.out();
  }

  /** Runs kubectl to completion, whatever its exit code. */
  public Result result(String... args) throws Exception {
    Process p = new ProcessBuilder(command(args)).start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + TIMEOUT_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  /** A long-running kubectl (a watch): its stdout lines arrive in the queue until it is closed. */
  public Streaming stream(String... args) throws IOException {
    Process p = new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l = in.readLine(); l != null; l = in.readLine()) {
          lines.add(l);
        }
      } catch (IOException stopped) {
        // the process was stopped
      }
    }, "kubectl-stream");
    reader.setDaemon(true);
    reader.start();
    return new Streaming(p, lines);
  }

  public record Streaming(Process process, BlockingQueue<String> lines) implements AutoCloseable {
    /** Whether a line starting with {@code prefix} arrives within {@code seconds}. */
    public boolean awaitLine(String prefix, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String l = lines.poll(1, TimeUnit.SECONDS);
        if (l != null && l.startsWith(prefix)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", cacheDir.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
