package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Predicate;

/** A list request's parameters, already parsed: the selector is null when nothing is selected. */
public record ListQuery(String resourceVersion, String resourceVersionMatch, int limit, String continueToken,
                        Predicate<ObjectNode> selector) {
}
