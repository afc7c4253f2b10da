package dev.annex.testing.kubectl;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A user running {@code kubectl get} over and over while something changes underneath: every run
 * that exits non-zero or does not print what is expected is a failure. Bounded in count and time;
 * {@link #close} stops it.
 */
public final class KubectlGetLoop implements AutoCloseable {
  private static final int MAX_GETS = 2000;
  private static final Duration MAX_TIME = Duration.ofMinutes(6);
  /** A few requests a second: a person's pace, and it leaves the 2 cores to the pods it watches. */
  private static final Duration PAUSE = Duration.ofMillis(200);

  private final AtomicInteger gets = new AtomicInteger();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  private KubectlGetLoop(Kubectl kubectl, String expected, String... args) {
    Instant end = Instant.now().plus(MAX_TIME);
    thread = new Thread(() -> {
      while (running.get() && gets.get() < MAX_GETS && Instant.now().isBefore(end)) {
        try {
          Kubectl.Result r = kubectl.result(args);
          if (r.exit() != 0 || !r.out().contains(expected)) {
            failures.add(Instant.now() + " exit " + r.exit() + ": " + r.out().trim() + " " + r.err().trim());
          }
        } catch (Exception | AssertionError e) {
          failures.add(Instant.now() + " " + e);
        }
        gets.incrementAndGet();
        try {
          Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "kubectl-get-loop");
    thread.setDaemon(true);
  }

  /** Starts {@code kubectl ARGS} in a loop, expecting {@code expected} in every output. */
  public static KubectlGetLoop start(Kubectl kubectl, String expected, String... args) {
    KubectlGetLoop loop = new KubectlGetLoop(kubectl, expected, args);
    loop.thread.start();
    return loop;
  }

  public int gets() {
    return gets.get();
  }

  public List<String> failures() {
    return List.copyOf(failures);
  }

  /** Waits for {@code count} more gets than now, so a change is followed by requests that see it. */
  public void awaitMoreGets(int count, Duration timeout) throws InterruptedException {
    int target = gets.get() + count;
    Instant deadline = Instant.now().plus(timeout);
    while (gets.get() < target) {
      if (!thread.isAlive() || Instant.now().isAfter(deadline)) {
        throw new AssertionError("the kubectl get loop did not reach " + target + " gets within " + timeout.toSeconds()
            + "s (at " + gets.get() + ")");
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(Duration.ofSeconds(90).toMillis());
  }
}
