package dev.annex.apiserver.handlers;

import dev.annex.apiserver.http.ApiRequest;
import dev.annex.apiserver.http.ApiResponse;
import dev.annex.apiserver.registry.ListQuery;
import dev.annex.apiserver.status.StatusException;

/**
 * GET of a collection: label and field selectors, {@code limit} and {@code continue}, and
 * {@code resourceVersion} with {@code resourceVersionMatch} (NotOlderThan or Exact).
 */
final class ListHandler {

  private ListHandler() {
  }

  static ApiResponse list(ResourceRequest rr) {
    return Output.list(rr, rr.store().list(rr.namespace(), query(rr.http())));
  }

  static ListQuery query(ApiRequest request) {
    String rv = request.param("resourceVersion");
    String match = request.param("resourceVersionMatch");
    String cont = request.param("continue");
    if (match != null && !match.isEmpty()) {
      if (!match.equals("NotOlderThan") && !match.equals("Exact")) {
        throw StatusException.badRequest("resourceVersionMatch: Unsupported value: \"" + match
            + "\": supported values: \"Exact\", \"NotOlderThan\"");
      }
      if (rv == null || rv.isEmpty()) {
        throw StatusException.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            + "resourceVersion is provided");
      }
      if (match.equals("Exact") && rv.equals("0")) {
        throw StatusException.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden "
            + "for resourceVersion \"0\"");
      }
    }
    if (cont != null && !cont.isEmpty() && rv != null && !rv.isEmpty() && !rv.equals("0")) {
      throw StatusException.badRequest("specifying resource version is not allowed when using continue");
    }
    int limit = 0;
    String limitParam = request.param("limit");
    if (limitParam != null && !limitParam.isEmpty()) {
      try {
        limit = Math.max(0, Integer.parseInt(limitParam));
      } catch (NumberFormatException e) {
        throw StatusException.badRequest("limit: Invalid value: \"" + limitParam + "\": must be an integer");
      }
    }
    return new ListQuery(rv, match, limit, cont == null || cont.isEmpty() ? null : cont,
        Selectors.parse(request.param("labelSelector"), request.param("fieldSelector")));
  }
}
