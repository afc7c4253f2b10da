package dev.annex.testing.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Short-lived host commands (ip, ctr, umount) run to completion, with their output on failure. */
final class HostCommands {

  private static final long TIMEOUT_SECONDS = 60;

  private HostCommands() {
  }

  static String run(String... command) {
    Result result = tryRun(command);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
          + result.output().trim());
    }
    return result.output();
  }

  record Result(int exitCode, String output) {
  }

  static Result tryRun(String... command) {
    try {
      Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + TIMEOUT_SECONDS + "s: " + output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command[0], e);
    }
  }
}
