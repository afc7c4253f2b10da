package dev.annex.apiserver.storage.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Compacts etcd's history as kube-apiserver's compactor does ({@code --etcd-compaction-interval},
 * default 5 minutes): every interval it compacts to the revision it saw one interval earlier, so
 * at least one interval of history stays for watches and paged lists. Several replicas (and
 * kube-apiservers) sharing one etcd agree through a compare-and-swap on the version of
 * {@code compact_rev_key}: only the one whose swap succeeds compacts.
 */
public final class Compactor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
  static final ByteSequence COMPACT_REV_KEY = ByteSequence.from("compact_rev_key", StandardCharsets.UTF_8);

  private final Client client;
  private final Duration timeout;
  private final ScheduledExecutorService timer;
  /** The version of compact_rev_key this replica last saw, and the revision seen one interval ago. */
  private long seenVersion;
  private long previousRevision;

  private Compactor(Client client, Duration interval, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-compactor");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public static Compactor every(Client client, Duration interval, Duration timeout) {
    return new Compactor(client, interval, timeout);
  }

  private void tick() {
    try {
      TxnResponse response = client.getKVClient().txn()
          .If(new Cmp(COMPACT_REV_KEY, Cmp.Op.EQUAL, CmpTarget.version(seenVersion)))
          .Then(Op.put(COMPACT_REV_KEY, ByteSequence.from(Long.toString(previousRevision), StandardCharsets.UTF_8),
              PutOption.DEFAULT))
          .Else(Op.get(COMPACT_REV_KEY, GetOption.DEFAULT))
          .commit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      long current = response.getHeader().getRevision();
      if (!response.isSucceeded()) {
        // another replica compacted in this interval: follow its count, compact nothing
        seenVersion = response.getGetResponses().get(0).getKvs().get(0).getVersion();
        previousRevision = current;
        return;
      }
      seenVersion++;
      long target = previousRevision;
      previousRevision = current;
      if (target > 0) {
        compact(client, target, timeout);
        LOG.info("compacted etcd history up to revision {}", target);
      }
    } catch (Exception e) {
      LOG.warn("etcd compaction failed; retrying next interval: {}", e.toString());
    }
  }

  /** Compacts etcd up to {@code revision} and waits until it is applied. */
  public static void compact(Client client, long revision, Duration timeout) throws Exception {
    client.getKVClient().compact(revision, CompactOption.builder().withCompactPhysical(true).build())
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
