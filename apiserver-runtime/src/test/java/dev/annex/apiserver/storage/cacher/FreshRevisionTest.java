package dev.annex.apiserver.storage.cacher;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FreshRevisionTest {

  /** A revision read is only good for callers that asked before it started: one that asks during a read waits for the next. */
  @Test
  void aCallerThatAsksWhileAReadIsInFlightGetsARevisionReadAfterIt() throws Exception {
    AtomicLong revision = new AtomicLong(10);
    CountDownLatch firstReadStarted = new CountDownLatch(1);
    CountDownLatch releaseFirstRead = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    FreshRevision fresh = new FreshRevision(() -> {
      long seen = revision.get(); // the revision as it was when the read began
      if (reads.incrementAndGet() == 1) {
        firstReadStarted.countDown();
        await(releaseFirstRead);
      }
      return seen;
    });
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Long> first = pool.submit(fresh::get);
      assertThat(firstReadStarted.await(10, TimeUnit.SECONDS)).isTrue();
      revision.set(11); // a write the second caller has seen before it asks
      Future<Long> second = pool.submit(fresh::get);
      Thread.sleep(100); // give it time to (wrongly) take the first read's answer
      releaseFirstRead.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(10);
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(11);
      assertThat(reads).hasValue(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentCallersShareReadsAndEachSeesEveryWriteBeforeItAsked() throws Exception {
    AtomicLong revision = new AtomicLong();
    AtomicInteger reads = new AtomicInteger();
    FreshRevision fresh = new FreshRevision(() -> {
      reads.incrementAndGet();
      long seen = revision.get();
      sleep(2); // a read takes a while, as a round trip to etcd does
      return seen;
    });
    int threads = 16;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        callers.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            long written = revision.incrementAndGet(); // this caller's own write, made before it asks
            assertThat(fresh.get()).isGreaterThanOrEqualTo(written);
          }
          return null;
        }));
      }
      for (Future<?> caller : callers) {
        caller.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(reads.get()).as("reads for %d callers", threads * perThread).isLessThan(threads * perThread / 3);
  }

  @Test
  void aFailedReadFailsItsBatchAndTheNextCallerReadsAgain() {
    AtomicInteger reads = new AtomicInteger();
    FreshRevision fresh = new FreshRevision(() -> {
      if (reads.incrementAndGet() == 1) {
        throw new IllegalStateException("etcd did not answer");
      }
      return 7;
    });
    assertThatThrownBy(fresh::get).hasMessage("etcd did not answer");
    assertThat(fresh.get()).isEqualTo(7);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
