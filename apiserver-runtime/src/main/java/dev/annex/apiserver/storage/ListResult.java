package dev.annex.apiserver.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One page of a list: the items, the snapshot's resourceVersion, the key to continue from (null
 * when this is the last page) and how many objects remain after it (-1 when unknown, as it is for
 * filtered lists). {@code encoded}, when not null, holds each item as stored, in order: a watch
 * cache keeps it, so a list need not copy and encode every object again (its items are then
 * copied only when read).
 */
public record ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount,
                         List<Encoded> encoded) {

  public ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount) {
    this(items, resourceVersion, nextKey, remainingItemCount, null);
  }

  /**
   * A stored object that is never changed, and its JSON and its metadata's JSON, each encoded the
   * first time a list needs it and then kept for every later list (until the object changes and
   * the cache replaces this with a new one). Encoding twice in a race is harmless: same bytes.
   */
  public static final class Encoded {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode stored;
    private volatile byte[] json;
    private volatile byte[] metadataJson;

    public Encoded(ObjectNode stored) {
      this.stored = stored;
    }

    /** The stored object itself, to read only: it is shared with the cache and every list. */
    public ObjectNode stored() {
      return stored;
    }

    public String apiVersion() {
      return stored.path("apiVersion").asText();
    }

    public String kind() {
      return stored.path("kind").asText();
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
