package dev.annex.apiserver.storage.cacher;

import dev.annex.apiserver.storage.StorageException;

import java.util.function.LongSupplier;

/**
 * The backend's current revision as a consistent read needs it: read after the caller asked, so
 * every write the caller could have seen is at or below it. Callers that ask while a read is in
 * flight cannot use that read (it may have started before them); they share the next one, so
 * under load one read serves a whole batch of requests instead of one each, and a lone caller
 * still pays a single read.
 */
final class FreshRevision {

  private final LongSupplier read;
  private final Object lock = new Object();
  // guarded by lock
  private Batch next;
  private boolean reading;

  FreshRevision(LongSupplier read) {
    this.read = read;
  }

  private static final class Batch {
    boolean done;
    long revision;
    RuntimeException failure;
  }

  long get() {
    Batch mine;
    synchronized (lock) {
      if (next == null) {
        next = new Batch();
      }
      mine = next;
      while (reading && !mine.done) {
        await();
      }
      if (mine.done) {
        return result(mine);
      }
      reading = true; // this caller reads for its batch; later callers start the next one
      next = null;
    }
    long revision = 0;
    RuntimeException failure = null;
    try {
      revision = read.getAsLong();
    } catch (RuntimeException e) {
      failure = e;
    }
    synchronized (lock) {
      mine.done = true;
      mine.revision = revision;
      mine.failure = failure;
      reading = false;
      lock.notifyAll();
      return result(mine);
    }
  }

  /** Holding the lock. The read in flight always ends (the backend's own timeout bounds it), and wakes every waiter. */
  private void await() {
    try {
      lock.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(StorageException.Kind.TIMEOUT, null, "interrupted while waiting for the backend's revision");
    }
  }

  private static long result(Batch batch) {
    if (batch.failure != null) {
      throw batch.failure;
    }
    return batch.revision;
  }
}
