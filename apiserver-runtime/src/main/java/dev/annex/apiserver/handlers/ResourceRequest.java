package dev.annex.apiserver.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.http.ApiRequest;
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
}
