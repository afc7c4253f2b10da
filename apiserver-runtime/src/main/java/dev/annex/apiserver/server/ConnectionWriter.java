package dev.annex.apiserver.server;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The write queue of one HTTP/2 connection, shared by its streams' streamed bodies. kube-aggregator
 * proxies every client's watch to an aggregated apiserver over a few HTTP/2 connections, so one
 * change reaches hundreds of streams of the same connection at once. Written and flushed one by one,
 * each frame would be its own TLS record and its own socket write, all on the connection's one event
 * loop; queued here, the event loop writes what has gathered in one pass and flushes the connection
 * once (Go's HTTP/2 server, sample-apiserver's, flushes when its write queue runs empty the same
 * way). Frames keep their order: one queue, drained on one thread.
 */
final class ConnectionWriter {

  private static final AttributeKey<ConnectionWriter> KEY = AttributeKey.valueOf(ConnectionWriter.class, "writer");

  private record Pending(Channel stream, Object frame) {
  }

  private final Channel connection;
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  /** Whether a drain is queued on the event loop or running; a write that finds none queues one. */
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Runnable drain = this::drain;

  private ConnectionWriter(Channel connection) {
    this.connection = connection;
  }

  /** The writer of the connection that carries {@code stream}. */
  static ConnectionWriter of(Channel stream) {
    Attribute<ConnectionWriter> attribute = stream.parent().attr(KEY);
    ConnectionWriter writer = attribute.get();
    if (writer == null) {
      ConnectionWriter created = new ConnectionWriter(stream.parent());
      writer = attribute.setIfAbsent(created);
      if (writer == null) {
        writer = created;
      }
    }
    return writer;
  }

  /** Writes {@code frame} on {@code stream} after every frame queued before it, and flushes soon. */
  void write(Channel stream, Object frame) {
    queue.add(new Pending(stream, frame));
    if (draining.compareAndSet(false, true)) {
      schedule();
    }
  }

  private void schedule() {
    try {
      connection.eventLoop().execute(drain);
    } catch (RejectedExecutionException e) {
      // the server is stopping and its event loops take no more work; the connection closes with them,
      // and the caller, the watch cache handing one change to every watcher, goes on to the next
      queue.clear();
    }
  }

  private void drain() {
    for (Pending p = queue.poll(); p != null; p = queue.poll()) {
      p.stream().write(p.frame(), p.stream().voidPromise());
    }
    connection.flush();
    draining.set(false);
    // a frame queued after the last poll and before the flag fell found a drain running: run another
    if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
      schedule();
    }
  }
}
