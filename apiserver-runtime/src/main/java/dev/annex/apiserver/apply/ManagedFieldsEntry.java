package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * One {@code metadata.managedFields} entry. {@code subresource} is "" for the main resource;
 * {@code time} may be null (upstream leaves it unset when an apply changed nothing).
 */
public record ManagedFieldsEntry(String manager, Operation operation, String apiVersion, Instant time,
                                 FieldSet fields, String subresource) {

  public enum Operation { Apply, Update }

  public ManagedFieldsEntry {
    subresource = subresource == null ? "" : subresource;
    time = time == null ? null : time.truncatedTo(ChronoUnit.SECONDS);
  }

  /** Who owns: upstream's manager identifier (an Apply's identity ignores the apiVersion). */
  public ManagerKey key() {
    return new ManagerKey(manager, operation, operation == Operation.Apply ? "" : apiVersion, subresource);
  }

  /** The entry as kube-apiserver serves a custom resource's (keys sorted, time in RFC 3339 seconds). */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("apiVersion", apiVersion);
    o.put("fieldsType", "FieldsV1");
    o.set("fieldsV1", fields.toFieldsV1());
    o.put("manager", manager);
    o.put("operation", operation.name());
    if (!subresource.isEmpty()) {
      o.put("subresource", subresource);
    }
    if (time != null) {
      o.put("time", RFC3339.format(time));
    }
    return o;
  }

  static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);

  /** The identity of an owner: one entry per manager, operation, subresource (and apiVersion for updates). */
  public record ManagerKey(String manager, Operation operation, String apiVersion, String subresource) {

    /** As errors print it: {@code "editor" using wardle.example.com/v1alpha1}, {@code "x" with subresource "status"}. */
    public String printed() {
      String s = Values.goQuote(manager);
      if (!subresource.isEmpty()) {
        s += " with subresource " + Values.goQuote(subresource);
      }
      if (operation == Operation.Update) {
        s += " using " + apiVersion;
      }
      return s;
    }

    /** Upstream's identifier JSON, whose text order is the order conflicts are reported in. */
    String identifier() {
      StringBuilder sb = new StringBuilder("{\"manager\":");
      Values.quoteJson(manager, sb);
      sb.append(",\"operation\":\"").append(operation).append('"');
      if (!apiVersion.isEmpty()) {
        sb.append(",\"apiVersion\":");
        Values.quoteJson(apiVersion, sb);
      }
      if (!subresource.isEmpty()) {
        sb.append(",\"subresource\":");
        Values.quoteJson(subresource, sb);
      }
      return sb.append('}').toString();
    }
  }
}
