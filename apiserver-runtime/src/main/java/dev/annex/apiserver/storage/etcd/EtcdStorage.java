package dev.annex.apiserver.storage.etcd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The etcd3 backend, laid out and versioned as kube-apiserver's {@code storage/etcd3} store: a key
 * {@code /<resource>/<namespace>/<name>} lives at {@code <root>/<resource>/<namespace>/<name>}, an
 * object's resourceVersion is its etcd mod revision (never stored in the value), creates succeed
 * only on an absent key, updates and deletes are compare-and-swap on the mod revision, a list is
 * one range read at one revision, and a watch is an etcd watch from a revision.
 *
 * <p>Every call waits at most {@code requestTimeout}: an unreachable etcd is
 * {@link StorageException.Kind#UNAVAILABLE}, a slow one {@link StorageException.Kind#TIMEOUT}.
 */
public final class EtcdStorage implements Storage {

  static final ObjectMapper JSON = new ObjectMapper();
  /** Range reads without a limit are still fetched in pages of this size, all at one revision. */
  private static final int RANGE_PAGE = 1000;

  private final Client client;
  private final KV kv;
  private final String root;
  private final Duration requestTimeout;
  private final ScheduledExecutorService retries;
  private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();

  /**
   * @param root the key prefix ({@code --etcd-prefix}, e.g. {@code /registry/wardle.example.com});
   *             keys handed in start with {@code /} and are appended to it
   */
  public EtcdStorage(Client client, String root, Duration requestTimeout) {
    this.client = client;
    this.kv = client.getKVClient();
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.requestTimeout = requestTimeout;
    this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-watch-resume");
      t.setDaemon(true);
      return t;
    });
  }

  // ---- reads ----

  @Override
  public Optional<ObjectNode> get(String key) {
    GetResponse response = call(kv.get(etcdKey(key)), key);
    return response.getKvs().isEmpty() ? Optional.empty() : Optional.of(decode(response.getKvs().get(0)));
  }

  @Override
  public ListResult list(String prefix, ListOptions options) {
    return scan(prefix, options, null);
  }

  /** The list; the key of every item returned is added to {@code keys} when it is not null. */
  private ListResult scan(String prefix, ListOptions options, List<String> keys) {
    String from = options.startKey() == null || options.startKey().compareTo(prefix) < 0 ? prefix : options.startKey();
    ByteSequence end = OptionsUtil.prefixEndOf(etcdKey(prefix));
    long revision = options.resourceVersion();
    int page = options.limit() <= 0 ? RANGE_PAGE : options.filtered() ? Math.max(options.limit() + 1, RANGE_PAGE)
        : options.limit() + 1;
    List<ObjectNode> items = new ArrayList<>();
    String nextKey = null;
    long remaining = 0;
    ByteSequence start = etcdKey(from);
    scan:
    while (true) {
      GetOption.Builder range = GetOption.builder().withRange(end).withLimit(page);
      if (revision > 0) {
        range.withRevision(revision);
      }
      GetResponse response;
      try {
        response = call(kv.get(start, range.build()), prefix);
      } catch (StorageException e) {
        if (e.kind() == StorageException.Kind.EXPIRED && e.getMessage().contains("compacted")) {
          // kube-apiserver's words for a list at a compacted revision
          throw new StorageException(StorageException.Kind.EXPIRED, null,
              "The resourceVersion for the provided list is too old.");
        }
        throw e;
      }
      if (revision == 0) {
        revision = response.getHeader().getRevision();
      }
      List<KeyValue> kvs = response.getKvs();
      for (int i = 0; i < kvs.size(); i++) {
        ObjectNode object = decode(kvs.get(i));
        if (!options.filter().test(object)) {
          continue;
        }
        if (options.limit() > 0 && items.size() == options.limit()) {
          nextKey = storageKey(kvs.get(i).getKey());
          // the count covers the whole range from this page's start; kube-apiserver does not
          // estimate what remains of a filtered list
          remaining = options.filtered() ? -1 : response.getCount() - i;
          break scan;
        }
        items.add(object);
        if (keys != null) {
          keys.add(storageKey(kvs.get(i).getKey()));
        }
      }
      if (!response.isMore() || kvs.isEmpty()) {
        break;
      }
      start = afterKey(kvs.get(kvs.size() - 1).getKey());
    }
    return new ListResult(items, revision, nextKey, nextKey == null ? 0 : remaining);
  }

  @Override
  public long currentResourceVersion() {
    // a linearizable read of one key that is never an object's (the prefix itself): its header
    // carries etcd's current revision, and unlike a count of the prefix it costs etcd the same
    // however many objects there are
    return call(kv.get(etcdKey("/")), "/").getHeader().getRevision();
  }

  // ---- writes ----

  @Override
  public ObjectNode create(String key, ObjectNode object) {
    ByteSequence k = etcdKey(key);
    ObjectNode stored = object.deepCopy();
    TxnResponse response = call(kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(0)))
        .Then(Op.put(k, encode(stored), PutOption.DEFAULT))
        .commit(), key);
    if (!response.isSucceeded()) {
      throw new StorageException(StorageException.Kind.KEY_EXISTS, key, "key exists: " + key);
    }
    return withVersion(stored, response.getHeader().getRevision());
  }

  @Override
  public ObjectNode guaranteedUpdate(String key, UpdateFunction update) {
    return guaranteedUpdate(key, update, null);
  }

  /** A state of the object the update runs on: decoded, at its mod revision, and whether etcd said so just now. */
  private record State(ObjectNode object, long revision, boolean current) {
    static State of(KeyValue kv) {
      return new State(decode(kv), kv.getModRevision(), true);
    }
  }

  /**
   * As k8s {@code etcd3.store.GuaranteedUpdate}: with a cached state the first attempt costs one
   * compare-and-swap instead of a read and a write; a failed swap brings back the current state.
   * An error or a no-op decided on the cached state is only returned once a read shows that state
   * was current.
   */
  @Override
  public ObjectNode guaranteedUpdate(String key, UpdateFunction update, ObjectNode cached) {
    ByteSequence k = etcdKey(key);
    State state = cached == null ? State.of(read(key)) : new State(cached, revisionOf(cached), false);
    while (true) {
      ObjectNode updated;
      try {
        updated = update.apply(state.object().deepCopy());
      } catch (RuntimeException e) {
        if (state.current()) {
          throw e;
        }
        State fresh = State.of(read(key));
        if (fresh.revision() == state.revision()) {
          throw e;
        }
        state = fresh;
        continue;
      }
      // the caller's copy may carry any resourceVersion; the stored one decides whether anything changed
      withVersion(updated, state.revision());
      if (updated.equals(state.object())) {
        if (state.current()) {
          return updated;
        }
        state = State.of(read(key));
        if (updated.equals(state.object())) {
          return updated;
        }
        continue;
      }
      TxnResponse response = call(kv.txn()
          .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(state.revision())))
          .Then(Op.put(k, encode(updated), PutOption.DEFAULT))
          .Else(Op.get(k, GetOption.DEFAULT))
          .commit(), key);
      if (response.isSucceeded()) {
        return withVersion(updated, response.getHeader().getRevision());
      }
      state = State.of(latest(response, key)); // someone else wrote in between: run the function again on theirs
    }
  }

  private static long revisionOf(ObjectNode object) {
    try {
      return Long.parseLong(object.path("metadata").path("resourceVersion").asText());
    } catch (NumberFormatException e) {
      return 0; // never a mod revision: the swap fails and brings back the current state
    }
  }

  @Override
  public ObjectNode delete(String key, Predicate<ObjectNode> precondition) {
    ByteSequence k = etcdKey(key);
    KeyValue current = read(key);
    while (true) {
      ObjectNode before = decode(current);
      if (!precondition.test(before.deepCopy())) {
        throw new IllegalStateException("precondition rejected without an exception");
      }
      TxnResponse response = call(kv.txn()
          .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())))
          .Then(Op.delete(k, DeleteOption.DEFAULT))
          .Else(Op.get(k, GetOption.DEFAULT))
          .commit(), key);
      if (response.isSucceeded()) {
        return withVersion(before, response.getHeader().getRevision());
      }
      current = latest(response, key);
    }
  }

  private KeyValue read(String key) {
    GetResponse response = call(kv.get(etcdKey(key)), key);
    if (response.getKvs().isEmpty()) {
      throw new StorageException(StorageException.Kind.NOT_FOUND, key, "key not found: " + key);
    }
    return response.getKvs().get(0);
  }

  /** The current state a failed compare-and-swap read back in its else branch. */
  private static KeyValue latest(TxnResponse failed, String key) {
    List<KeyValue> kvs = failed.getGetResponses().get(0).getKvs();
    if (kvs.isEmpty()) {
      throw new StorageException(StorageException.Kind.NOT_FOUND, key, "key not found: " + key);
    }
    return kvs.get(0);
  }

  // ---- watch ----

  @Override
  public Watch watch(String prefix, WatchOptions options, WatchListener listener) {
    EtcdWatch watch = new EtcdWatch(this, prefix, options.filter(), listener);
    if (options.initialEvents()) {
      List<String> keys = new ArrayList<>();
      ListResult state = scan(prefix, ListOptions.latest(), keys);
      watch.startWithInitialEvents(keys, state);
    } else {
      long from = options.resourceVersion() > 0 ? options.resourceVersion() : currentResourceVersion();
      checkNotCompacted(prefix, from);
      watch.startAfter(from);
    }
    watches.add(watch);
    return watch;
  }

  void forget(EtcdWatch watch) {
    watches.remove(watch);
  }

  /**
   * An etcd watch on a compacted revision only fails after it was created; a count-only read at
   * that revision fails at once, so the caller gets its 410 as the answer to this call.
   */
  private void checkNotCompacted(String prefix, long revision) {
    try {
      call(kv.get(etcdKey(prefix), GetOption.builder().withRevision(revision).withCountOnly(true).isPrefix(true)
          .build()), prefix);
    } catch (StorageException e) {
      if (e.kind() == StorageException.Kind.EXPIRED && e.getMessage().contains("compacted")) {
        throw new StorageException(StorageException.Kind.EXPIRED, null,
            "too old resource version: " + revision + " (etcd compacted it)");
      }
      if (e.kind() != StorageException.Kind.EXPIRED) {
        throw e; // a future revision is fine: the watch waits for it
      }
    }
  }

  Client client() {
    return client;
  }

  ScheduledExecutorService retries() {
    return retries;
  }

  @Override
  public void close() {
    for (EtcdWatch w : watches) {
      w.close();
      w.listener().onClose();
    }
    retries.shutdownNow();
    // the client belongs to whoever built it (several storages may share one)
  }

  // ---- keys, values, errors ----

  ByteSequence etcdKey(String key) {
    return ByteSequence.from(root + key, StandardCharsets.UTF_8);
  }

  String storageKey(ByteSequence etcdKey) {
    return etcdKey.toString(StandardCharsets.UTF_8).substring(root.length());
  }

  /** The smallest key after {@code key}: where the next page of a range starts. */
  private static ByteSequence afterKey(ByteSequence key) {
    return key.concat(ByteSequence.from(new byte[] {0}));
  }

  private static ByteSequence encode(ObjectNode object) {
    // as kube-apiserver: the resourceVersion is the mod revision, never part of the stored value;
    // left out of shallow copies of the object and its metadata, which share everything else
    ObjectNode stored = object;
    if (object.get("metadata") instanceof ObjectNode meta && meta.has("resourceVersion")) {
      ObjectNode metadata = meta.objectNode().setAll(meta);
      metadata.remove("resourceVersion");
      stored = object.objectNode().setAll(object);
      stored.set("metadata", metadata);
    }
    try {
      return ByteSequence.from(JSON.writeValueAsBytes(stored));
    } catch (IOException e) {
      throw new UncheckedIOException("a JSON tree always serialises", e);
    }
  }

  static ObjectNode decode(KeyValue kv) {
    try {
      ObjectNode object = (ObjectNode) JSON.readTree(kv.getValue().getBytes());
      return withVersion(object, kv.getModRevision());
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("the value under " + kv.getKey() + " is not a JSON object", e);
    }
  }

  static ObjectNode withVersion(ObjectNode object, long revision) {
    object.withObject("/metadata").put("resourceVersion", Long.toString(revision));
    return object;
  }

  /** Waits for one etcd call within the request timeout and turns its failure into a storage error. */
  <T> T call(CompletableFuture<T> future, String key) {
    try {
      return future.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new StorageException(StorageException.Kind.TIMEOUT, key,
          "etcd did not answer within " + requestTimeout.toMillis() + "ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new StorageException(StorageException.Kind.TIMEOUT, key, "interrupted while waiting for etcd");
    } catch (ExecutionException e) {
      throw translate(e.getCause(), key);
    }
  }

  static StorageException translate(Throwable cause, String key) {
    String message = String.valueOf(cause.getMessage());
    if (message.contains("required revision has been compacted") || cause instanceof
        io.etcd.jetcd.common.exception.CompactedException) {
      return new StorageException(StorageException.Kind.EXPIRED, key, "etcdserver: mvcc: required revision has been compacted");
    }
    if (message.contains("required revision is a future revision")) {
      return new StorageException(StorageException.Kind.EXPIRED, key, "Too large resource version");
    }
    if (message.contains("DEADLINE_EXCEEDED") || message.contains("request timed out")) {
      return new StorageException(StorageException.Kind.TIMEOUT, key, "etcd: " + message);
    }
    return new StorageException(StorageException.Kind.UNAVAILABLE, key, "etcd is unreachable: " + message);
  }
}
