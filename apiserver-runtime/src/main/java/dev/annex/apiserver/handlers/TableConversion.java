package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Renders objects as a {@code meta.k8s.io/v1 Table} (columns, rows, and each row's object per
 * {@code includeObject}: None, Metadata or Object); the handlers add the list metadata.
 */
@FunctionalInterface
public interface TableConversion {
  ObjectNode convert(List<ObjectNode> objects, String includeObject);
}
