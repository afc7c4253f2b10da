package dev.annex.apiserver.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list: the items, the snapshot's resourceVersion, the key to continue from (null
 * when this is the last page) and how many objects remain after it (-1 when unknown, as it is for
 * filtered lists). {@code encoded}, when not null, holds each item as stored, in order: the watch
 * cache and the memory backend keep it, so a list need not copy and encode every object again (its
 * items are then copied only when read).
 */
public record ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount,
                         List<Encoded> encoded) {

  public ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount) {
    this(items, resourceVersion, nextKey, remainingItemCount, null);
  }

  /**
   * A stored object that is never changed, and its JSON, its metadata's JSON and a Table's cells,
   * each made the first time a list needs it and then kept for every later list (until the object changes and
   * the cache replaces this with a new one). Encoding twice in a race is harmless: same bytes.
   */
  public static final class Encoded {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode stored;
    private final String apiVersion;
    private final String kind;
    private volatile byte[] json;
    private volatile byte[] metadataJson;
    private volatile Derived derived;

    private record Derived(Object owner, Object value) {
    }

    public Encoded(ObjectNode stored) {
      this.stored = stored;
      this.apiVersion = stored.path("apiVersion").asText();
      this.kind = stored.path("kind").asText();
    }

    /** The stored object itself, to read only: it is shared with the cache and every list. */
    public ObjectNode stored() {
      return stored;
    }

    public String apiVersion() {
      return apiVersion;
    }

    public String kind() {
      return kind;
    }

    /**
     * What {@code owner} derives from the stored object (a Table converter its cells), made on
     * first use and kept while the same owner asks; one owner at a time, as one is all a resource
     * has in practice.
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Object owner, Function<ObjectNode, T> derive) {
      Derived kept = derived;
      if (kept != null && kept.owner() == owner) {
        return (T) kept.value();
      }
      T value = derive.apply(stored);
      derived = new Derived(owner, value);
      return value;
    }

    public byte[] json() {
      byte[] bytes = json;
      if (bytes == null) {
        bytes = encode(stored);
        json = bytes;
      }
      return bytes;
    }

    /** Its {@code metadata} (an empty object when it has none), as PartialObjectMetadata and Table rows carry it. */
    public byte[] metadataJson() {
      byte[] bytes = metadataJson;
      if (bytes == null) {
        bytes = encode(stored.path("metadata").isObject() ? stored.get("metadata") : JsonNodeFactory.instance.objectNode());
        metadataJson = bytes;
      }
      return bytes;
    }

    private static byte[] encode(JsonNode node) {
      try {
        return JSON.writeValueAsBytes(node);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a JSON tree always serialises", e);
      }
    }
  }
}
