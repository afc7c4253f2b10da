package dev.annex.apiserver.definition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One API group as an {@code AggregatedApi} spec describes it: every served version serves every
 * resource with the same schema (a CRD with {@code conversion: None}); objects are stored once.
 */
public record ApiDefinition(String name, String namespace, String group, List<Version> versions, List<Resource> resources) {

  public static final String API_VERSION = "annex.dev/v1alpha1";
  public static final String KIND = "AggregatedApi";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public ApiDefinition {
    versions = List.copyOf(versions);
    resources = List.copyOf(resources);
  }

  /** Reads an {@code AggregatedApi} YAML or JSON file (the one a user applies). */
  public static ApiDefinition read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return fromAggregatedApi(YAML.readTree(in));
    } catch (InvalidDefinitionException e) {
      throw new InvalidDefinitionException(file + ": " + e.getMessage());
    }
  }

  /** Builds the definition from an {@code AggregatedApi} object's tree. */
  public static ApiDefinition fromAggregatedApi(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new InvalidDefinitionException("expected an AggregatedApi object");
    }
    String kind = root.path("kind").asText("");
    if (!KIND.equals(kind)) {
      throw new InvalidDefinitionException("expected kind " + KIND + ", got '" + kind + "'");
    }
    JsonNode spec = root.path("spec");
    String group = required(spec, "group", "spec.group");
    List<Version> versions = new ArrayList<>();
    int i = 0;
    for (JsonNode v : spec.path("versions")) {
      versions.add(new Version(
          required(v, "name", "spec.versions[" + i + "].name"),
          v.path("served").asBoolean(true),
          v.path("storage").asBoolean(false),
          v.path("versionPriority").asInt(15)));
      i++;
    }
    if (versions.isEmpty()) {
      throw new InvalidDefinitionException("spec.versions: at least one version is required");
    }
    List<Resource> resources = new ArrayList<>();
    i = 0;
    for (JsonNode r : spec.path("resources")) {
      resources.add(Resource.from(r, "spec.resources[" + i + "]"));
      i++;
    }
    JsonNode metadata = root.path("metadata");
    return new ApiDefinition(metadata.path("name").asText(""), metadata.path("namespace").asText(""),
        group, versions, resources);
  }

  public List<Version> servedVersions() {
    return versions.stream().filter(Version::served).toList();
  }

  /** The version objects are stored in; the first served one when none is marked. */
  public Version storageVersion() {
    return versions.stream().filter(Version::storage).findFirst().orElse(servedVersions().get(0));
  }

  public Optional<Version> servedVersion(String name) {
    return servedVersions().stream().filter(v -> v.name().equals(name)).findFirst();
  }

  public Optional<Resource> resourceByPlural(String plural) {
    return resources.stream().filter(r -> r.plural().equals(plural)).findFirst();
  }

  static String required(JsonNode node, String field, String path) {
    String value = node.path(field).asText("");
    if (value.isEmpty()) {
      throw new InvalidDefinitionException(path + ": Required value");
    }
    return value;
  }

  /** A version of the group, as in {@code spec.versions[]}. */
  public record Version(String name, boolean served, boolean storage, int versionPriority) {
  }
}
