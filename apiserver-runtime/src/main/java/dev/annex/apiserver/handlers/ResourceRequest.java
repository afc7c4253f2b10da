package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.apply.FieldManager;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.registry.ManagedFieldsUpdate;
import dev.annex.apiserver.registry.ResourceStore;

/**
 * A request routed to one resource: the store, the version the client speaks, the namespace (empty
 * for all namespaces or a cluster-scoped resource) and the name and subresource when given.
 */
record ResourceRequest(ApiRequest http, ServedResource served, String group, String version, String namespace,
                       String name, String subresource) {

  ResourceStore store() {
    return served.store();
  }

  boolean status() {
    return subresource.equals("status");
  }

  /** The object as the client's version shows it: stored once, served with the asked apiVersion. */
  ObjectNode inRequestedVersion(ObjectNode object) {
    object.put("apiVersion", group + "/" + version);
    object.put("kind", store().resource().kind());
    return object;
  }

  FieldManager fieldManager() {
    return served.fieldManager(group, version);
  }

  /**
   * Records an Update of this create, update or non-apply patch: the manager is {@code fieldManager},
   * else the User-Agent's first word, as upstream; {@code /status} writes are recorded as such.
   */
  ManagedFieldsUpdate recordUpdate() {
    String manager = FieldManager.managerOrUserAgent(http.param("fieldManager"), http.header("user-agent"));
    FieldManager fieldManager = fieldManager();
    return (live, decoded) -> fieldManager.update(live, decoded, manager, subresource);
  }
}
