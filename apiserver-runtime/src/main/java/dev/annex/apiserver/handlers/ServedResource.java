package dev.annex.apiserver.handlers;

import dev.annex.apiserver.apply.FieldManager;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.tables.TableConverter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A resource as the handlers serve it: its generic store, its Table rendering and a field manager per version. */
public record ServedResource(ResourceStore store, TableConverter tables, Map<String, FieldManager> fieldManagers) {

  public ServedResource(ResourceStore store, TableConverter tables) {
    this(store, tables, new ConcurrentHashMap<>());
  }

  /** The field manager of one served version (built once: it holds the resource's schema). */
  FieldManager fieldManager(String group, String version) {
    return fieldManagers.computeIfAbsent(group + "/" + version, k -> FieldManager.forResource(group, version, store.resource()));
  }
}
