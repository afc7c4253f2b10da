package dev.annex.apiserver.schema;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The texts kube-apiserver builds from a list of field errors ({@code errors.NewInvalid}). */
public final class FieldErrors {

  private FieldErrors() {
  }

  /**
   * The message of a 422 Invalid Status: {@code Flunder.wardle.example.com "x" is invalid: <errors>},
   * one error as is, several as {@code [a, b]}, repeated messages once (as {@code ToAggregate} does).
   *
   * @param qualifiedKind {@code Kind.group} ({@code Kind} alone for the core group)
   */
  public static String invalidMessage(String qualifiedKind, String name, List<FieldError> errors) {
    String prefix = qualifiedKind + " " + GoText.quote(name) + " is invalid";
    if (errors.isEmpty()) {
      return prefix;
    }
    return prefix + ": " + aggregate(errors);
  }

  /** {@code utilerrors.Aggregate.Error()} of the list: deduplicated, bracketed when more than one. */
  public static String aggregate(List<FieldError> errors) {
    Set<String> messages = new LinkedHashSet<>();
    errors.forEach(e -> messages.add(e.message()));
    if (messages.size() == 1) {
      return messages.iterator().next();
    }
    return "[" + String.join(", ", messages) + "]";
  }

  /** The {@code details.causes} array for the errors, in order. */
  public static ArrayNode causes(List<FieldError> errors) {
    ArrayNode causes = JsonNodeFactory.instance.arrayNode();
    errors.forEach(e -> causes.add(e.toStatusCause()));
    return causes;
  }
}
