package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The field manager's step of a write, as upstream's update transformers: given the live object
 * (null on create) and the decoded, defaulted new object, returns the object to store with the
 * {@code metadata.managedFields} it is to carry. The store runs it before its strategy (metadata
 * rules, validation) and keeps the managedFields it returns. The new object is the store's own, made
 * for this attempt: the step may change it and return it; the live object it only reads.
 */
@FunctionalInterface
public interface ManagedFieldsUpdate {

  /** Keeps the managedFields the new object already has (an apply computed them). */
  ManagedFieldsUpdate KEEP = (live, decoded) -> decoded;

  ObjectNode record(ObjectNode live, ObjectNode decoded);
}
