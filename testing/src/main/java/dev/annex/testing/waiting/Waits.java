package dev.annex.testing.waiting;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** The polling loop of the sessions and end-to-end tests: every wait has a timeout and says what it waited for. */
public final class Waits {
  private static final Duration POLL = Duration.ofMillis(250);

  private Waits() {
  }

  /**
   * Polls {@code lookup} until it gives something, and returns it; after {@code timeout} fails with
   * {@code what} and whatever {@code onTimeout} adds (the last state seen, for example).
   */
  public static <T> T until(String what, Duration timeout, Supplier<T> lookup, Supplier<String> onTimeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      T found = lookup.get();
      if (found != null) {
        return found;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
            + onTimeout.get());
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  public static <T> T until(String what, Duration timeout, Supplier<T> lookup) {
    return until(what, timeout, lookup, () -> "");
  }
}
