package dev.annex.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** One resource of the group, described like a CRD version describes it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApiResource {
  public static final String KIND_PATTERN = "^[A-Z][A-Za-z0-9]*$";
  /** A DNS label, as resource names in URLs must be. */
  public static final String LOWER_NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  @Required
  @Pattern(KIND_PATTERN)
  public String kind;

  @Required
  @Pattern(LOWER_NAME_PATTERN)
  public String plural;

  @Pattern(LOWER_NAME_PATTERN)
  public String singular;

  public List<String> shortNames;

  public List<String> categories;

  @Default("Namespaced")
  public Scope scope;

  public Subresources subresources;

  public List<PrinterColumn> additionalPrinterColumns;

  @Required
  public Schema schema;

  public enum Scope { Namespaced, Cluster }

  /** Subresources the runtime serves; {@code status: {}} enables {@code /status}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Subresources {
    @PreserveUnknownFields
    public JsonNode status;
  }

  /** A printer column, exactly as in a CRD version. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PrinterColumn {
    @Required
    public String name;
    @Required
    public String type;
    public String format;
    public String description;
    public Integer priority;
    @Required
    public String jsonPath;
  }

  /** The structural OpenAPI v3 schema of the resource, as in a CRD version's {@code schema}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Schema {
    @Required
    @PreserveUnknownFields
    public JsonNode openAPIV3Schema;
  }
}
