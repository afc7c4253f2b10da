package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Ownership bookkeeping of structured-merge-diff's merge.Updater: who loses which fields when an
 * object changes, and the apply itself (merge, prune what the applier stopped applying, conflicts).
 * Managers are keyed by {@link ManagedFieldsEntry.ManagerKey}; field sets do not depend on the
 * apiVersion because every version of a resource shares one schema here.
 */
final class Updater {

  /** Conflicts found; the field manager decides whether they become an error (see last-applied). */
  static final class Conflicts extends RuntimeException {
    final List<ApplyConflictException.Conflict> conflicts;

    Conflicts(List<ApplyConflictException.Conflict> conflicts) {
      super(null, null, false, false);
      this.conflicts = conflicts;
    }
  }

  private final SchemaType type;
  private final UnaryOperator<FieldSet> ignore;

  Updater(SchemaType type, UnaryOperator<FieldSet> ignore) {
    this.type = type;
    this.ignore = ignore;
  }

  /**
   * Others lose what changed under them: fields modified or added (a conflict unless forced) and
   * fields removed. Managers left with nothing are dropped.
   */
  Typed.Comparison update(JsonNode oldObj, JsonNode newObj, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers,
                          ManagedFieldsEntry.ManagerKey workflow, boolean force) {
    Typed.Comparison compare = Typed.compare(oldObj, newObj, type).filter(ignore);
    FieldSet changed = compare.modified().union(compare.added());
    Map<ManagedFieldsEntry.ManagerKey, FieldSet> conflicts = new LinkedHashMap<>();
    for (ManagedFieldsEntry e : managers.values()) {
      if (e.key().equals(workflow)) {
        continue;
      }
      FieldSet c = e.fields().intersection(changed);
      if (!c.isEmpty()) {
        conflicts.put(e.key(), c);
      }
    }
    if (!force && !conflicts.isEmpty()) {
      List<ApplyConflictException.Conflict> list = new ArrayList<>();
      conflicts.forEach((k, s) -> s.forEachPath(p -> list.add(new ApplyConflictException.Conflict(k, p))));
      throw new Conflicts(list);
    }
    for (ManagedFieldsEntry.ManagerKey k : new ArrayList<>(managers.keySet())) {
      if (k.equals(workflow)) {
        continue;
      }
      ManagedFieldsEntry e = managers.get(k);
      FieldSet s = e.fields().difference(conflicts.getOrDefault(k, new FieldSet())).difference(compare.removed());
      managers.put(k, with(e, s, e.time()));
    }
    managers.values().removeIf(e -> e.fields().isEmpty());
    return compare;
  }

  /** Stands for the request while others lose fields, so that its own previous entry loses them too. */
  private static final ManagedFieldsEntry.ManagerKey CURRENT_OPERATION =
      new ManagedFieldsEntry.ManagerKey("current-operation", ManagedFieldsEntry.Operation.Update, "", "");

  /**
   * Upstream's Updater.Update: returns what the request changed (modified and added fields), which
   * the caller gives to the updating manager on top of what it owned.
   */
  FieldSet recordUpdate(JsonNode liveObj, JsonNode newObj, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers) {
    Typed.Comparison compare = update(liveObj, newObj, managers, CURRENT_OPERATION, true);
    return ignore.apply(compare.modified().union(compare.added()));
  }

  /**
   * Upstream's Updater.Apply: merge, give the applier exactly what it applied, prune what it applied
   * before and no longer does (unless someone else owns it), then take changed fields from others.
   * Returns the new object.
   */
  JsonNode apply(JsonNode liveObj, JsonNode config, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers,
                 ManagedFieldsEntry applier, boolean force) {
    JsonNode merged = Typed.merge(liveObj, config, type);
    ManagedFieldsEntry last = managers.get(applier.key());
    FieldSet applied = ignore.apply(Typed.toFieldSet(config, type, true));
    managers.put(applier.key(), with(applier, applied, last == null ? null : last.time()));
    merged = prune(merged, managers, last == null ? new FieldSet() : last.fields());
    update(liveObj, merged, managers, applier.key(), force);
    return merged;
  }

  private JsonNode prune(JsonNode merged, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers, FieldSet lastSet) {
    if (lastSet.isEmpty()) {
      return merged;
    }
    FieldSet last = ensured(lastSet);
    JsonNode pruned = Typed.removeItems(merged, type, last);
    // Add back what anyone (the applier's new configuration included) still owns.
    FieldSet owned = new FieldSet();
    for (ManagedFieldsEntry e : managers.values()) {
      owned = owned.union(e.fields());
    }
    FieldSet mergedSet = ensured(Typed.toFieldSet(merged, type, false));
    FieldSet prunedSet = ensured(Typed.toFieldSet(pruned, type, false));
    pruned = Typed.removeItems(merged, type, mergedSet.difference(prunedSet.union(ensured(owned))));
    // Remove only what the applier itself owned before: unowned fields are left alone.
    prunedSet = ensured(Typed.toFieldSet(pruned, type, false));
    return Typed.removeItems(merged, type, mergedSet.difference(prunedSet).intersection(last));
  }

  private FieldSet ensured(FieldSet s) {
    return Typed.ensureNamedFieldsAreMembers(s, type);
  }

  static ManagedFieldsEntry with(ManagedFieldsEntry e, FieldSet fields, Instant time) {
    return new ManagedFieldsEntry(e.manager(), e.operation(), e.apiVersion(), time, fields, e.subresource());
  }
}
