package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An apply that would change fields other managers own: a 409 {@code Conflict} whose message and
 * {@code details.causes} read exactly like kube-apiserver's (kubectl prints the message as is).
 */
public final class ApplyConflictException extends StatusException {

  /** One field another manager owns with a different value. */
  public record Conflict(ManagedFieldsEntry.ManagerKey manager, FieldPath path) {
  }

  private final List<Conflict> conflicts;

  public ApplyConflictException(List<Conflict> conflicts) {
    super(409, "Conflict", message(sorted(conflicts)), details(sorted(conflicts)));
    this.conflicts = sorted(conflicts);
  }

  public List<Conflict> conflicts() {
    return conflicts;
  }

  /** The {@code Status.details.causes} entries: {@code FieldManagerConflict}, one per field and manager. */
  public List<ManagedFields.Cause> causes() {
    List<ManagedFields.Cause> causes = new ArrayList<>();
    for (Conflict c : conflicts) {
      causes.add(new ManagedFields.Cause("FieldManagerConflict", "conflict with " + c.manager().printed(),
          c.path().toString()));
    }
    return causes;
  }

  /** By manager identifier (as upstream sorts them), each manager's fields in field-set order (kept stable). */
  private static List<Conflict> sorted(List<Conflict> conflicts) {
    List<Conflict> s = new ArrayList<>(conflicts);
    s.sort(Comparator.comparing(c -> c.manager().identifier()));
    return List.copyOf(s);
  }

  static String message(List<Conflict> c) {
    if (c.size() == 1) {
      return "Apply failed with 1 conflict: conflict with " + c.get(0).manager().printed() + ": " + c.get(0).path();
    }
    Map<ManagedFieldsEntry.ManagerKey, List<FieldPath>> byManager = new LinkedHashMap<>();
    for (Conflict conflict : c) {
      byManager.computeIfAbsent(conflict.manager(), k -> new ArrayList<>()).add(conflict.path());
    }
    List<String> lines = new ArrayList<>();
    byManager.forEach((m, paths) -> {
      lines.add("conflicts with " + m.printed() + ":");
      paths.forEach(p -> lines.add("- " + p));
    });
    return "Apply failed with " + c.size() + " conflicts: " + String.join("\n", lines);
  }

  private static ObjectNode details(List<Conflict> conflicts) {
    ObjectNode details = JsonNodeFactory.instance.objectNode();
    ArrayNode causes = details.putArray("causes");
    for (Conflict c : conflicts) {
      causes.add(new ManagedFields.Cause("FieldManagerConflict", "conflict with " + c.manager().printed(),
          c.path().toString()).toJson());
    }
    return details;
  }
}
