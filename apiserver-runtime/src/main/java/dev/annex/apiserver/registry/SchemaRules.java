package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What the store needs from a resource's structural schema, in the order kube-apiserver applies it
 * to a custom resource: prune unknown fields, apply defaults, then validate.
 */
public interface SchemaRules {

  /** Removes fields the schema does not know, in place; returns their paths ({@code spec.foo}). */
  List<String> pruneUnknownFields(ObjectNode object);

  void applyDefaults(ObjectNode object);

  /** Field errors as Status causes: {@code {reason, message, field}}. */
  List<ObjectNode> validate(ObjectNode object);
}
