package dev.annex.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One page of a list: the items, the snapshot's resourceVersion, the key to continue from (null
 * when this is the last page) and how many objects remain after it (-1 when unknown, as it is for
 * filtered lists).
 */
public record ListResult(List<ObjectNode> items, long resourceVersion, String nextKey, long remainingItemCount) {
}
