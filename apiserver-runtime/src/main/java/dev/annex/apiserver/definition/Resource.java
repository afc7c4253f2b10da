package dev.annex.apiserver.definition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One kind of the group, as in {@code spec.resources[]} (the shape of a CRD's names and version). */
public record Resource(
    String kind,
    String plural,
    String singular,
    List<String> shortNames,
    List<String> categories,
    Scope scope,
    boolean statusSubresource,
    List<PrinterColumn> printerColumns,
    JsonNode openAPIV3Schema) {

  public enum Scope { Namespaced, Cluster }

  public Resource {
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
    printerColumns = List.copyOf(printerColumns);
  }

  public boolean namespaced() {
    return scope == Scope.Namespaced;
  }

  public String listKind() {
    return kind + "List";
  }

  static Resource from(JsonNode r, String path) {
    String kind = ApiDefinition.required(r, "kind", path + ".kind");
    String plural = r.path("plural").asText(kind.toLowerCase(Locale.ROOT) + "s");
    String singular = r.path("singular").asText(kind.toLowerCase(Locale.ROOT));
    Scope scope;
    try {
      scope = Scope.valueOf(r.path("scope").asText("Namespaced"));
    } catch (IllegalArgumentException e) {
      throw new InvalidDefinitionException(path + ".scope: Unsupported value: \"" + r.path("scope").asText()
          + "\": supported values: \"Namespaced\", \"Cluster\"");
    }
    List<PrinterColumn> columns = new ArrayList<>();
    for (JsonNode c : r.path("additionalPrinterColumns")) {
      columns.add(new PrinterColumn(
          c.path("name").asText(), c.path("type").asText("string"), c.path("format").asText(""),
          c.path("description").asText(""), c.path("priority").asInt(0), c.path("jsonPath").asText()));
    }
    JsonNode schema = r.path("schema").path("openAPIV3Schema");
    if (schema.isMissingNode()) {
      schema = JsonNodeFactory.instance.objectNode()
          .put("type", "object")
          .put("x-kubernetes-preserve-unknown-fields", true);
    }
    return new Resource(kind, plural, singular, strings(r.path("shortNames")), strings(r.path("categories")),
        scope, r.path("subresources").has("status"), columns, schema);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** A column of {@code kubectl get}, as in a CRD's {@code additionalPrinterColumns}. */
  public record PrinterColumn(String name, String type, String format, String description, int priority,
                              String jsonPath) {
  }
}
