package dev.annex.apiserver.apply;

import java.util.ArrayList;
import java.util.List;

/** A path from the object's root, printed as upstream prints it: {@code .spec.ports[name="http"].port}. */
public record FieldPath(List<PathElement> elements) {

  public FieldPath {
    elements = List.copyOf(elements);
  }

  public static FieldPath of(String... fieldNames) {
    List<PathElement> es = new ArrayList<>();
    for (String f : fieldNames) {
      es.add(new PathElement.Field(f));
    }
    return new FieldPath(es);
  }

  public FieldPath child(PathElement e) {
    List<PathElement> es = new ArrayList<>(elements);
    es.add(e);
    return new FieldPath(es);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    elements.forEach(sb::append);
    return sb.toString();
  }
}
