package dev.annex.apiserver.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The discovery documents of one group, as kube-apiserver serves a CRD's group: versions ordered by
 * versionPriority then Kubernetes version order (v1 &gt; v1beta1 &gt; v1alpha1), resources with
 * the CRD verbs, and the status subresource where declared.
 */
public final class DiscoveryDocuments {

  /** The verbs of a custom resource, in the order kube-apiserver lists them. */
  static final List<String> RESOURCE_VERBS =
      List.of("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch");
  static final List<String> STATUS_VERBS = List.of("get", "patch", "update");
  private static final Pattern KUBE_VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

  private final ApiDefinition api;
  private final List<ApiDefinition.Version> versions;

  public DiscoveryDocuments(ApiDefinition api) {
    this.api = api;
    this.versions = api.servedVersions().stream().sorted(VERSION_ORDER).toList();
  }

  /** Highest versionPriority first, then Kubernetes version order, then by name. */
  static final Comparator<ApiDefinition.Version> VERSION_ORDER = Comparator
      .comparingInt(ApiDefinition.Version::versionPriority).reversed()
      .thenComparing((a, b) -> compareKubeVersions(a.name(), b.name()));

  static int compareKubeVersions(String a, String b) {
    Matcher ma = KUBE_VERSION.matcher(a);
    Matcher mb = KUBE_VERSION.matcher(b);
    boolean ka = ma.matches();
    boolean kb = mb.matches();
    if (!ka || !kb) {
      return ka ? -1 : kb ? 1 : a.compareTo(b);
    }
    int stabilityA = ma.group(2) == null ? 2 : ma.group(2).equals("beta") ? 1 : 0;
    int stabilityB = mb.group(2) == null ? 2 : mb.group(2).equals("beta") ? 1 : 0;
    if (stabilityA != stabilityB) {
      return Integer.compare(stabilityB, stabilityA);
    }
    int major = Integer.compare(Integer.parseInt(mb.group(1)), Integer.parseInt(ma.group(1)));
    if (major != 0 || ma.group(3) == null) {
      return major;
    }
    return Integer.compare(Integer.parseInt(mb.group(3)), Integer.parseInt(ma.group(3)));
  }

  public List<ApiDefinition.Version> orderedVersions() {
    return versions;
  }

  private ObjectNode groupVersion(ApiDefinition.Version v) {
    return JsonNodeFactory.instance.objectNode().put("groupVersion", api.group() + "/" + v.name()).put("version", v.name());
  }

  private ObjectNode groupBody() {
    ObjectNode group = JsonNodeFactory.instance.objectNode();
    group.put("name", api.group());
    ArrayNode vs = group.putArray("versions");
    versions.forEach(v -> vs.add(groupVersion(v)));
    group.set("preferredVersion", groupVersion(versions.get(0)));
    return group;
  }

  /** {@code /apis}: an APIGroupList with this one group. */
  public ObjectNode apiGroupList() {
    ObjectNode list = JsonNodeFactory.instance.objectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
    list.putArray("groups").add(groupBody());
    return list;
  }

  /** {@code /apis/<group>}: the APIGroup. */
  public ObjectNode apiGroup() {
    ObjectNode group = JsonNodeFactory.instance.objectNode().put("kind", "APIGroup").put("apiVersion", "v1");
    group.setAll(groupBody());
    return group;
  }

  /** {@code /apis/<group>/<version>}: the APIResourceList. */
  public ObjectNode apiResourceList(String version) {
    ObjectNode list = JsonNodeFactory.instance.objectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", api.group() + "/" + version);
    ArrayNode resources = list.putArray("resources");
    for (Resource r : api.resources()) {
      ObjectNode res = resources.addObject().put("name", r.plural()).put("singularName", r.singular())
          .put("namespaced", r.namespaced()).put("kind", r.kind());
      strings(res.putArray("verbs"), RESOURCE_VERBS);
      if (!r.shortNames().isEmpty()) {
        strings(res.putArray("shortNames"), r.shortNames());
      }
      if (!r.categories().isEmpty()) {
        strings(res.putArray("categories"), r.categories());
      }
      res.put("storageVersionHash", storageVersionHash(r));
      if (r.statusSubresource()) {
        ObjectNode status = resources.addObject().put("name", r.plural() + "/status").put("singularName", "")
            .put("namespaced", r.namespaced()).put("kind", r.kind());
        strings(status.putArray("verbs"), STATUS_VERBS);
      }
    }
    return list;
  }

  /** The aggregated discovery document ({@code apidiscovery.k8s.io/<apiVersion>} APIGroupDiscoveryList). */
  public ObjectNode aggregated(String discoveryVersion) {
    ObjectNode list = JsonNodeFactory.instance.objectNode().put("kind", "APIGroupDiscoveryList")
        .put("apiVersion", "apidiscovery.k8s.io/" + discoveryVersion);
    list.putObject("metadata");
    ObjectNode group = list.putArray("items").addObject();
    group.putObject("metadata").put("name", api.group()).putNull("creationTimestamp");
    ArrayNode vs = group.putArray("versions");
    for (ApiDefinition.Version v : versions) {
      ObjectNode version = vs.addObject().put("version", v.name());
      ArrayNode resources = version.putArray("resources");
      for (Resource r : api.resources()) {
        ObjectNode res = resources.addObject().put("resource", r.plural());
        res.set("responseKind", kind(v, r));
        res.put("scope", r.namespaced() ? "Namespaced" : "Cluster").put("singularResource", r.singular());
        strings(res.putArray("verbs"), RESOURCE_VERBS);
        if (!r.shortNames().isEmpty()) {
          strings(res.putArray("shortNames"), r.shortNames());
        }
        if (!r.categories().isEmpty()) {
          strings(res.putArray("categories"), r.categories());
        }
        if (r.statusSubresource()) {
          ObjectNode status = res.putArray("subresources").addObject().put("subresource", "status");
          status.set("responseKind", kind(v, r));
          strings(status.putArray("verbs"), STATUS_VERBS);
        }
      }
      version.put("freshness", "Current");
    }
    return list;
  }

  private ObjectNode kind(ApiDefinition.Version v, Resource r) {
    return JsonNodeFactory.instance.objectNode().put("group", api.group()).put("version", v.name()).put("kind", r.kind());
  }

  /** As kube-apiserver: base64 of the first 8 bytes of sha256("group/storageVersion/kind"). */
  private String storageVersionHash(Resource r) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          (api.group() + "/" + api.storageVersion().name() + "/" + r.kind()).getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(digest, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** A strong ETag: the hex sha256 of the serialised document, quoted as HTTP requires. */
  static String etag(byte[] body) {
    try {
      return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /** Every document path this group answers, for tests and logs. */
  public Map<String, ObjectNode> byPath() {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    out.put("/apis", apiGroupList());
    out.put("/apis/" + api.group(), apiGroup());
    versions.forEach(v -> out.put("/apis/" + api.group() + "/" + v.name(), apiResourceList(v.name())));
    return out;
  }
}
