package dev.annex.apiserver.handlers;

import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.http.Handler;
import dev.annex.apiserver.http.RequestInfo;
import dev.annex.apiserver.registry.ResourceStore;
import dev.annex.apiserver.status.StatusException;
import dev.annex.apiserver.storage.StorageException;

import java.util.Map;

/**
 * Routes a resource request of the served group to its verb handler: unknown group, version,
 * resource or subresource is 404; a verb the endpoint does not have is 405, as kube-apiserver does.
 */
public final class ResourceHandlers implements Handler {

  private final ApiDefinition api;
  private final Map<String, ServedResource> byPlural;

  public ResourceHandlers(ApiDefinition api, Map<String, ServedResource> byPlural) {
    this.api = api;
    this.byPlural = Map.copyOf(byPlural);
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    RequestInfo info = request.requestInfo();
    ServedResource served = byPlural.get(info.resource());
    if (!info.apiGroup().equals(api.group()) || api.servedVersion(info.apiVersion()).isEmpty() || served == null) {
      throw StatusException.pathNotFound();
    }
    boolean namespaced = served.store().resource().namespaced();
    if (!namespaced && !info.namespace().isEmpty()) {
      throw StatusException.pathNotFound();
    }
    String sub = info.subresource();
    if (!sub.isEmpty() && !(sub.equals("status") && served.store().resource().statusSubresource())) {
      throw StatusException.pathNotFound();
    }
    ResourceRequest rr = new ResourceRequest(request, served, info.apiGroup(), info.apiVersion(), info.namespace(),
        info.name(), sub);
    try {
      return serve(rr, info.verb());
    } catch (StorageException e) {
      // reads and preconditions that reached the storage directly: an unreachable etcd is 503/504
      throw ResourceStore.unavailable(e);
    }
  }

  private static ApiResponse serve(ResourceRequest rr, String verb) {
    String sub = rr.subresource();
    if (!sub.isEmpty()) {
      return switch (verb) {
        case "get" -> GetHandler.get(rr);
        case "update" -> UpdateHandler.update(rr);
        case "patch" -> PatchHandler.patch(rr);
        default -> throw notAllowed(rr, verb);
      };
    }
    if (rr.name().isEmpty()) {
      return switch (verb) {
        case "list" -> ListHandler.list(rr);
        case "watch" -> WatchHandler.watch(rr);
        case "create" -> CreateHandler.create(rr);
        case "deletecollection" -> DeleteHandler.deleteCollection(rr);
        default -> throw notAllowed(rr, verb);
      };
    }
    return switch (verb) {
      case "get" -> GetHandler.get(rr);
      case "watch" -> WatchHandler.watch(rr);
      case "update" -> UpdateHandler.update(rr);
      case "patch" -> PatchHandler.patch(rr);
      case "delete" -> DeleteHandler.delete(rr);
      default -> throw notAllowed(rr, verb);
    };
  }

  private static StatusException notAllowed(ResourceRequest rr, String verb) {
    return StatusException.methodNotSupported(rr.store().resource().plural(), rr.group(),
        verb.equals("create") ? "create" : verb);
  }
}
