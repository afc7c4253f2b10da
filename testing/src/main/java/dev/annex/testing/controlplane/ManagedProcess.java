package dev.annex.testing.controlplane;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A child process the harness started: output to a log file, stopped by the pid it was started
 * with (TERM, then KILL after a grace period), also from a shutdown hook if the test JVM exits
 * first. Never looks processes up by name.
 */
public final class ManagedProcess implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
  private static final Duration GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread shutdownHook;

  private ManagedProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.shutdownHook = new Thread(() -> process.destroyForcibly(), "stop-" + name);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static ManagedProcess start(String name, List<String> command, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      LOG.info("started {} pid={} log={}", name, process.pid(), log);
      return new ManagedProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command.get(0), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /**
   * Waits until {@code condition} holds (an exception counts as "not yet"), failing with the log's
   * last lines if this process exits first or {@code timeout} passes.
   */
  public void await(String what, Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!holds(condition)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited while waiting for " + what + "; last lines of " + log
            + ":\n" + tail(30));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
            + "; last lines of " + log + ":\n" + tail(30));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  private static boolean holds(BooleanSupplier condition) {
    try {
      return condition.getAsBoolean();
    } catch (RuntimeException notYet) {
      return false;
    }
  }

  /** The last lines of the log, for failure messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("{} pid={} did not stop within {}s of SIGTERM; killing it", name, pid(), GRACE.toSeconds());
          process.destroyForcibly();
          process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      LOG.info("stopped {} pid={}", name, pid());
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run; it stops the process itself
    }
  }
}
