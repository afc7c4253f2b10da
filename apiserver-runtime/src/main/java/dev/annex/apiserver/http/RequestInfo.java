package dev.annex.apiserver.http;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a request is about, in k8s {@code request.RequestInfo} terms: for
 * {@code /apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]} the parts
 * and the verb (get, list, watch, create, update, patch, delete, deletecollection); any other path
 * is a non-resource request with the HTTP method, lower case, as verb.
 */
public record RequestInfo(boolean resourceRequest, String path, String verb, String apiGroup, String apiVersion,
                          String namespace, String resource, String name, String subresource) {

  public static RequestInfo parse(String method, String path, boolean watchParam) {
    String lowerMethod = method.toLowerCase(Locale.ROOT);
    List<String> parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    if (parts.size() < 4 || !parts.get(0).equals("apis")) {
      return new RequestInfo(false, path, lowerMethod, "", "", "", "", "", "");
    }
    String group = parts.get(1);
    String version = parts.get(2);
    List<String> rest = parts.subList(3, parts.size());
    String namespace = "";
    if (rest.get(0).equals("namespaces")) {
      if (rest.size() == 1) {
        return new RequestInfo(true, path, verb(lowerMethod, false, watchParam), group, version, "", "namespaces", "", "");
      }
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
      if (rest.isEmpty()) {
        // /apis/g/v/namespaces/ns: the namespace object itself, which this server does not serve.
        return new RequestInfo(true, path, verb(lowerMethod, true, watchParam), group, version, "", "namespaces", namespace, "");
      }
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : "";
    String subresource = rest.size() > 2 ? String.join("/", rest.subList(2, rest.size())) : "";
    return new RequestInfo(true, path, verb(lowerMethod, !name.isEmpty(), watchParam), group, version, namespace,
        resource, name, subresource);
  }

  private static String verb(String method, boolean named, boolean watchParam) {
    return switch (method) {
      case "get", "head" -> watchParam ? "watch" : named ? "get" : "list";
      case "post" -> "create";
      case "put" -> "update";
      case "patch" -> "patch";
      case "delete" -> named ? "delete" : "deletecollection";
      default -> method;
    };
  }
}
