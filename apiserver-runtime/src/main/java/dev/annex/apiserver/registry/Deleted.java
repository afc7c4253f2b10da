package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The result of a delete: {@code gone} when the object left storage (the handler answers a Success
 * Status), or the object still waiting for its finalizers, now with a deletionTimestamp.
 */
public record Deleted(ObjectNode object, boolean gone) {
}
