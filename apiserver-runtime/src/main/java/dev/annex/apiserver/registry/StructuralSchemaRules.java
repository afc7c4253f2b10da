package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.schema.FieldError;
import dev.annex.apiserver.schema.StructuralSchema;

import java.util.List;

/** The store's schema rules, from the resource's structural schema. */
public record StructuralSchemaRules(StructuralSchema schema) implements SchemaRules {

  @Override
  public List<String> pruneUnknownFields(ObjectNode object) {
    return schema.pruneUnknownFields(object);
  }

  @Override
  public void applyDefaults(ObjectNode object) {
    schema.applyDefaults(object);
  }

  @Override
  public List<ObjectNode> validate(ObjectNode object) {
    return schema.validate(object).stream().map(FieldError::toStatusCause).toList();
  }
}
