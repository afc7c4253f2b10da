package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** The result of a write: the object as stored (or as it would be, for a dry run) and warnings. */
public record Written(ObjectNode object, List<String> warnings) {
}
