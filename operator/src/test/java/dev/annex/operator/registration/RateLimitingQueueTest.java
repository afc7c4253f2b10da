package dev.annex.operator.registration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RateLimitingQueueTest {
  private static final Duration SHORT = Duration.ofMillis(50);

  @Test
  void aKeyAddedTwiceIsWorkedOnOnce() throws Exception {
    try (RateLimitingQueue queue = new RateLimitingQueue("t", Duration.ofMillis(5), Duration.ofSeconds(1))) {
      queue.add("a");
      queue.add("a");
      queue.add("b");
      assertThat(queue.depth()).isEqualTo(2);
      assertThat(queue.get(SHORT)).contains("a");
      assertThat(queue.get(SHORT)).contains("b");
      assertThat(queue.get(SHORT)).isEmpty();
    }
  }

  @Test
  void aKeyChangedWhileWorkedOnComesBackOnlyWhenTheWorkIsDone() throws Exception {
    try (RateLimitingQueue queue = new RateLimitingQueue("t", Duration.ofMillis(5), Duration.ofSeconds(1))) {
      queue.add("a");
      assertThat(queue.get(SHORT)).contains("a");
      queue.add("a");
      assertThat(queue.get(SHORT)).as("never to a second worker at the same time").isEmpty();
      queue.done("a");
      assertThat(queue.get(SHORT)).contains("a");
      queue.done("a");
      assertThat(queue.get(SHORT)).isEmpty();
    }
  }

  @Test
  void failuresBackOffExponentiallyUpToTheCapAndForgetResets() throws Exception {
    try (RateLimitingQueue queue = new RateLimitingQueue("t", Duration.ofMillis(100), Duration.ofMillis(1000))) {
      assertThat(queue.backoff(1)).isEqualTo(Duration.ofMillis(100));
      assertThat(queue.backoff(2)).isEqualTo(Duration.ofMillis(200));
      assertThat(queue.backoff(4)).isEqualTo(Duration.ofMillis(800));
      assertThat(queue.backoff(5)).isEqualTo(Duration.ofMillis(1000));
      assertThat(queue.backoff(64)).isEqualTo(Duration.ofMillis(1000));

      long start = System.nanoTime();
      queue.addRateLimited("a");
      queue.addRateLimited("a");
      assertThat(queue.retries("a")).isEqualTo(2);
      assertThat(queue.get(Duration.ofSeconds(5))).contains("a");
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(90);
      queue.done("a");
      queue.forget("a");
      assertThat(queue.retries("a")).isZero();
    }
  }

  @Test
  void closingWakesAWaitingWorker() throws Exception {
    RateLimitingQueue queue = new RateLimitingQueue("t", Duration.ofMillis(5), Duration.ofSeconds(1));
    Thread closer = new Thread(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException ignored) {
        return;
      }
      queue.close();
    });
    closer.start();
    long start = System.nanoTime();
    assertThat(queue.get(Duration.ofSeconds(10))).isEmpty();
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    assertThat(queue.isShuttingDown()).isTrue();
  }
}
