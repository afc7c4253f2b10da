package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One page of a list: the items, the snapshot's resourceVersion, the key to continue from (null
 * when this is the last page) and how many objects remain after it (-1 when unknown, as it is for
 * filtered lists). {@code encoded}, when not null, holds each item's JSON as stored, in order: a
 * watch cache keeps it, so a JSON list need not copy and encode every object again (its items are
 * then copied only when read).
 */
public record ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount,
                         List<Encoded> encoded) {

  /** An object's JSON, and the {@code apiVersion} and {@code kind} it says. */
  public record Encoded(byte[] json, String apiVersion, String kind) {
  }

  public ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount) {
    this(items, resourceVersion, nextKey, remainingItemCount, null);
  }
}
