package dev.annex.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.ApiDefinition.Version;
import dev.annex.apiserver.definition.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The OpenAPI documents kube-apiserver publishes for CRDs with the same schemas
 * (apiextensions' {@code pkg/controller/openapi/builder}): Swagger 2.0 for {@code /openapi/v2} and
 * one OpenAPI 3.0 document per group-version under {@code /openapi/v3}, plus their hashes for
 * {@code ETag}s and the v3 index. Built once, immutable: a definition change means a new instance.
 *
 * <p>The path operations and the meta.k8s.io definitions (ObjectMeta, ListMeta, Status,
 * DeleteOptions, Patch, ...) come from templates taken from a real kube-apiserver v1.37.2 serving
 * the wardle CRDs (resources next to this class), with group, version, kind and plural substituted.
 */
public final class OpenApiDocuments {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private static final String API_VERSION_DESCRIPTION = "APIVersion defines the versioned schema of this "
      + "representation of an object. Servers should convert recognized schemas to the latest internal value, and "
      + "may reject unrecognized values. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
  private static final String KIND_DESCRIPTION = "Kind is a string value representing the REST resource this object "
      + "represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In "
      + "CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
  private static final String OBJECT_META_DESCRIPTION = "Standard object's metadata. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
  private static final String LIST_META_DESCRIPTION = "Standard list metadata. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
  private static final String EMBEDDED_API_VERSION_DESCRIPTION = "apiVersion defines the versioned schema of this "
      + "representation of an object. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
  private static final String EMBEDDED_KIND_DESCRIPTION = "kind is a string value representing the type of this "
      + "object. In CamelCase. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
  private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  private static final String LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

  private final ApiDefinition definition;
  private final ObjectNode v2;
  private final String v2Hash;
  private final Map<String, ObjectNode> v3ByGroupVersion = new LinkedHashMap<>();
  private final Map<String, String> v3Hashes = new LinkedHashMap<>();
  private final ObjectNode v3Index;

  public OpenApiDocuments(ApiDefinition definition) {
    this.definition = definition;
    this.v2 = buildV2();
    this.v2Hash = hash(v2);
    for (Version version : definition.servedVersions()) {
      ObjectNode doc = buildV3(version.name());
      String key = "apis/" + definition.group() + "/" + version.name();
      v3ByGroupVersion.put(key, doc);
      v3Hashes.put(key, hash(doc));
    }
    this.v3Index = JSON.objectNode();
    ObjectNode paths = v3Index.putObject("paths");
    v3Hashes.forEach((key, hash) ->
        paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash));
  }

  /** The Swagger 2.0 document of {@code /openapi/v2}; callers must not modify it. */
  public ObjectNode v2() {
    return v2;
  }

  /** {@code "<SHA-512 in upper-case hex>"}, quoted: the ETag of {@link #v2()}. */
  public String v2ETag() {
    return "\"" + v2Hash + "\"";
  }

  /** The {@code /openapi/v3} index: {@code {"paths": {"apis/<g>/<v>": {"serverRelativeURL": ...}}}}. */
  public ObjectNode v3Index() {
    return v3Index;
  }

  /** The OpenAPI 3.0 document of {@code /openapi/v3/apis/<group>/<version>}, when that version is served. */
  public Optional<ObjectNode> v3(String group, String version) {
    return Optional.ofNullable(v3ByGroupVersion.get("apis/" + group + "/" + version));
  }

  /** The hash in that document's {@code serverRelativeURL} ({@code ?hash=}); its ETag is this, quoted. */
  public Optional<String> v3Hash(String group, String version) {
    return Optional.ofNullable(v3Hashes.get("apis/" + group + "/" + version));
  }

  /** The definition name kube-apiserver gives a kind: {@code com.example.wardle.v1alpha1.Flunder}. */
  public static String modelName(String group, String version, String kind) {
    List<String> parts = new ArrayList<>(List.of(group.split("\\.")));
    Collections.reverse(parts);
    return String.join(".", parts) + "." + version + "." + kind;
  }

  /** k8s.io/apiserver's {@code ToValidOperationID}: camel case without punctuation. */
  static String operationId(String s, boolean capitalizeFirst) {
    StringBuilder b = new StringBuilder();
    boolean capitalize = capitalizeFirst;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (Character.isLetter(c) || c == '_' || (i != 0 && Character.isDigit(c))) {
        b.appendCodePoint(capitalize ? Character.toUpperCase(c) : c);
        capitalize = false;
      } else {
        capitalize = true;
      }
      i += Character.charCount(c);
    }
    return b.toString();
  }

  // --- documents ------------------------------------------------------------------------------

  private ObjectNode buildV2() {
    JsonNode meta = template("v2-meta.json");
    ObjectNode doc = JSON.objectNode();
    doc.put("swagger", "2.0");
    doc.putObject("info").put("title", "Annex apiserver").put("version", definition.group());
    TreeMap<String, JsonNode> paths = new TreeMap<>();
    TreeMap<String, JsonNode> definitions = new TreeMap<>();
    meta.path("definitions").fields().forEachRemaining(e -> definitions.put(e.getKey(), e.getValue()));
    for (Version version : definition.servedVersions()) {
      for (Resource resource : definition.resources()) {
        addPaths(paths, template("v2-paths.json"), version.name(), resource);
        String model = modelName(definition.group(), version.name(), resource.kind());
        definitions.put(model, kindSchema(resource, version.name(), true));
        definitions.put(model + "List", listSchema(resource, version.name(), true));
      }
    }
    doc.set("paths", MAPPER.valueToTree(paths));
    doc.set("definitions", MAPPER.valueToTree(definitions));
    doc.set("parameters", meta.path("parameters").deepCopy());
    if (meta.hasNonNull("securityDefinitions")) {
      doc.set("securityDefinitions", meta.get("securityDefinitions").deepCopy());
      doc.set("security", meta.get("security").deepCopy());
    }
    return doc;
  }

  private ObjectNode buildV3(String version) {
    ObjectNode doc = JSON.objectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes CRD Swagger").put("version", "v0.1.0");
    TreeMap<String, JsonNode> paths = new TreeMap<>();
    TreeMap<String, JsonNode> schemas = new TreeMap<>();
    template("v3-meta-schemas.json").fields().forEachRemaining(e -> schemas.put(e.getKey(), e.getValue()));
    for (Resource resource : definition.resources()) {
      addPaths(paths, template("v3-paths.json"), version, resource);
      String model = modelName(definition.group(), version, resource.kind());
      schemas.put(model, kindSchema(resource, version, false));
      schemas.put(model + "List", listSchema(resource, version, false));
    }
    doc.set("paths", MAPPER.valueToTree(paths));
    doc.putObject("components").set("schemas", MAPPER.valueToTree(schemas));
    return doc;
  }

  private void addPaths(Map<String, JsonNode> paths, JsonNode templates, String version, Resource resource) {
    JsonNode scoped = templates.path(resource.namespaced() ? "namespaced" : "cluster");
    String prefix = "/apis/" + definition.group() + "/" + version;
    scoped.fields().forEachRemaining(e -> {
      if (e.getKey().endsWith("/status") && !resource.statusSubresource()) {
        return;
      }
      paths.put(substitute(prefix + e.getKey(), version, resource), substitute(e.getValue(), version, resource));
    });
  }

  private JsonNode substitute(JsonNode node, String version, Resource resource) {
    if (node.isTextual()) {
      return TextNode.valueOf(substitute(node.asText(), version, resource));
    }
    if (node.isArray()) {
      ArrayNode out = JSON.arrayNode();
      node.forEach(n -> out.add(substitute(n, version, resource)));
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = JSON.objectNode();
      node.fields().forEachRemaining(e -> out.set(substitute(e.getKey(), version, resource),
          substitute(e.getValue(), version, resource)));
      return out;
    }
    return node;
  }

  private String substitute(String s, String version, Resource resource) {
    if (!s.contains("__")) {
      return s;
    }
    String group = definition.group();
    String trimmed = group.endsWith(".k8s.io") ? group.substring(0, group.length() - ".k8s.io".length()) : group;
    List<String> parts = new ArrayList<>(List.of(group.split("\\.")));
    Collections.reverse(parts);
    return s.replace("__RGROUP__", String.join(".", parts))
        .replace("__GROUP__", group)
        .replace("__GID__", operationId(trimmed, true))
        .replace("__gid__", operationId(trimmed, false))
        .replace("__VID__", operationId(version, true))
        .replace("__VERSION__", version)
        .replace("__PLURAL__", resource.plural())
        .replace("__KIND__", resource.kind());
  }

  // --- schemas --------------------------------------------------------------------------------

  /** The kind's schema: the resource's schema with TypeMeta and ObjectMeta, as {@code buildKubeNative}. */
  ObjectNode kindSchema(Resource resource, String version, boolean v2) {
    JsonNode source = resource.openAPIV3Schema();
    ObjectNode schema;
    if (v2 && source.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      schema = JSON.objectNode().put("type", "object");
    } else {
      schema = (ObjectNode) published(source, v2);
      ObjectNode props = schema.has("properties") ? (ObjectNode) schema.get("properties") : JSON.objectNode();
      props.set("apiVersion", JSON.objectNode().put("description", API_VERSION_DESCRIPTION).put("type", "string"));
      props.set("kind", JSON.objectNode().put("description", KIND_DESCRIPTION).put("type", "string"));
      props.set("metadata", ref(OBJECT_META, OBJECT_META_DESCRIPTION, v2));
      schema.set("properties", sorted(props));
    }
    schema.set("x-kubernetes-group-version-kind", gvk(resource.kind(), version));
    return schema;
  }

  /** {@code FooList}: apiVersion, items, kind, metadata (ListMeta), as {@code buildListSchema}. */
  ObjectNode listSchema(Resource resource, String version, boolean v2) {
    String model = modelName(definition.group(), version, resource.kind());
    ObjectNode list = JSON.objectNode();
    list.put("description", resource.listKind() + " is a list of " + resource.kind());
    list.put("type", "object");
    list.putArray("required").add("items");
    ObjectNode props = list.putObject("properties");
    props.set("apiVersion", JSON.objectNode().put("description", API_VERSION_DESCRIPTION).put("type", "string"));
    ObjectNode items = props.putObject("items");
    items.put("description", "List of " + resource.plural()
        + ". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md");
    items.put("type", "array");
    items.putObject("items").put("$ref", refPrefix(v2) + model);
    props.set("kind", JSON.objectNode().put("description", KIND_DESCRIPTION).put("type", "string"));
    props.set("metadata", ref(LIST_META, LIST_META_DESCRIPTION, v2));
    list.set("x-kubernetes-group-version-kind", gvk(resource.listKind(), version));
    return list;
  }

  private ArrayNode gvk(String kind, String version) {
    ArrayNode gvk = JSON.arrayNode();
    gvk.addObject().put("group", definition.group()).put("kind", kind).put("version", version);
    return gvk;
  }

  private static String refPrefix(boolean v2) {
    return v2 ? "#/definitions/" : "#/components/schemas/";
  }

  /** A described reference: v2 puts {@code $ref} beside the description, v3 wraps it in allOf. */
  private static ObjectNode ref(String model, String description, boolean v2) {
    ObjectNode ref = JSON.objectNode().put("description", description);
    if (v2) {
      ref.put("$ref", refPrefix(true) + model);
    } else {
      ref.putArray("allOf").addObject().put("$ref", refPrefix(false) + model);
    }
    return ref;
  }

  /**
   * The schema as published: int-or-string unfolded to its anyOf, embedded resources given TypeMeta
   * and ObjectMeta; for v2 also without defaults and junctors, nullable and preserve-unknown-fields
   * subtrees left untyped (ToStructuralOpenAPIV2), because v2 cannot express them.
   */
  static JsonNode published(JsonNode s, boolean v2) {
    if (!s.isObject()) {
      return s.deepCopy();
    }
    ObjectNode out = JSON.objectNode();
    Iterator<Map.Entry<String, JsonNode>> it = s.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      switch (e.getKey()) {
        case "properties" -> {
          ObjectNode props = JSON.objectNode();
          e.getValue().fields().forEachRemaining(p -> props.set(p.getKey(), published(p.getValue(), v2)));
          out.set("properties", sorted(props));
        }
        case "items", "additionalProperties", "not" -> out.set(e.getKey(), published(e.getValue(), v2));
        case "allOf", "anyOf", "oneOf" -> {
          ArrayNode list = JSON.arrayNode();
          e.getValue().forEach(n -> list.add(published(n, v2)));
          out.set(e.getKey(), list);
        }
        default -> out.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    if (out.path("x-kubernetes-int-or-string").asBoolean(false) && !out.has("anyOf") && !out.has("allOf")) {
      ArrayNode anyOf = out.putArray("anyOf");
      anyOf.addObject().put("type", "integer");
      anyOf.addObject().put("type", "string");
    }
    if (v2) {
      toV2(out);
    }
    if (out.path("x-kubernetes-embedded-resource").asBoolean(false)
        && !(v2 && out.path("x-kubernetes-preserve-unknown-fields").asBoolean(false))) {
      ObjectNode props = out.has("properties") ? (ObjectNode) out.get("properties") : JSON.objectNode();
      props.set("apiVersion", JSON.objectNode().put("description", EMBEDDED_API_VERSION_DESCRIPTION).put("type", "string"));
      props.set("kind", JSON.objectNode().put("description", EMBEDDED_KIND_DESCRIPTION).put("type", "string"));
      props.set("metadata", ref(OBJECT_META, OBJECT_META_DESCRIPTION, v2));
      out.set("properties", sorted(props));
      ArrayNode required = out.has("required") ? (ArrayNode) out.get("required") : out.putArray("required");
      List<String> have = new ArrayList<>();
      required.forEach(r -> have.add(r.asText()));
      if (!have.contains("kind")) {
        required.add("kind");
      }
      if (!have.contains("apiVersion")) {
        required.add("apiVersion");
      }
    }
    return out;
  }

  private static void toV2(ObjectNode s) {
    s.remove(List.of("allOf", "oneOf", "anyOf", "not", "default"));
    if (s.path("nullable").asBoolean(false)) {
      s.remove(List.of("type", "nullable", "items", "properties"));
    }
    s.remove("nullable");
    if (s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      s.remove(List.of("items", "properties"));
      if (s.path("type").asText("").equals("object")) {
        s.remove("type");
      }
    }
    if (!s.has("items") && s.path("type").asText("").equals("array")) {
      s.remove("type");
    }
    if (s.has("required") && s.has("properties")) {
      ArrayNode kept = JSON.arrayNode();
      s.get("required").forEach(r -> {
        if (!s.get("properties").path(r.asText()).path("nullable").asBoolean(false)) {
          kept.add(r);
        }
      });
      s.set("required", kept);
    }
  }

  /** Go marshals a schema's property map with sorted keys; so do we, for identical documents. */
  private static ObjectNode sorted(ObjectNode props) {
    ObjectNode out = JSON.objectNode();
    new TreeMap<String, JsonNode>(toMap(props)).forEach(out::set);
    return out;
  }

  private static Map<String, JsonNode> toMap(ObjectNode o) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    o.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  // --- support --------------------------------------------------------------------------------

  private static final Map<String, JsonNode> TEMPLATES = new java.util.concurrent.ConcurrentHashMap<>();

  private static JsonNode template(String name) {
    return TEMPLATES.computeIfAbsent(name, n -> {
      try (InputStream in = OpenApiDocuments.class.getResourceAsStream(n)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + n + " next to " + OpenApiDocuments.class.getName());
        }
        return MAPPER.readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** kube-openapi's ETag: SHA-512 of the served JSON bytes, upper-case hex. */
  static String hash(JsonNode doc) {
    try {
      byte[] bytes = MAPPER.writeValueAsString(doc).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The exact bytes the hash was computed over, so a server can serve what its ETag names. */
  public static byte[] bytes(JsonNode doc) {
    try {
      return MAPPER.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
