package dev.annex.apiserver.handlers;

import dev.annex.apiserver.registry.ResourceStore;

/** A resource as the handlers serve it: its generic store and its Table rendering. */
public record ServedResource(ResourceStore store, TableConversion tables) {
}
