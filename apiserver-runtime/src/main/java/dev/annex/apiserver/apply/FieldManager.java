package dev.annex.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.status.StatusException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * kube-apiserver's field manager for one resource version: every write goes through it so that
 * {@code metadata.managedFields} says who owns which field. Handlers call {@link #update} on
 * create, update and non-apply patch (the manager then owns what it changed) and {@link #apply} on
 * {@code application/apply-patch+yaml} patches. The layers upstream stacks (strip metadata, reset
 * status, skip untracked objects, before-first-apply, last-applied upgrade, cap of update managers)
 * are the private steps below, in upstream's order.
 *
 * <p>How a handler calls it (one instance per resource and version, immutable, thread-safe):
 * <pre>{@code
 * FieldManager fm = FieldManager.forResource(group, version, resource);
 * // PATCH, Content-Type application/apply-patch+yaml (415 for other types it does not know):
 * FieldManager.validatePatchOptions(true, fieldManager, force != null);   // 422 without fieldManager
 * JsonNode body = yaml.readTree(request);                                  // 400 when unreadable
 * ObjectNode live = storage.get(name);                                     // null: apply creates
 * ObjectNode toStore = fm.apply(live, body, fieldManager, force, sub);     // 409 ApplyConflictException
 * // then default, validate, (unless dryRun) store, as for any write
 * // create, update, merge/json patch: after the new object is built and defaulted
 * ObjectNode toStore = fm.update(live, updated, FieldManager.managerOrUserAgent(fieldManager, userAgent), sub);
 * }</pre>
 * Every error is a {@link StatusException} the handlers write as is.
 */
public final class FieldManager {

  public static final String STATUS = "status";
  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Existing fields of an object applied to for the first time are attributed to this updater. */
  public static final String BEFORE_FIRST_APPLY = "before-first-apply";
  /** The oldest update managers beyond {@link #MAX_UPDATE_MANAGERS} are merged into this one. */
  public static final String ANCIENT_CHANGES = "ancient-changes";
  public static final int MAX_UPDATE_MANAGERS = 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Fields nobody owns: identity and server-set metadata (upstream's stripMetaManager). */
  private static final FieldSet STRIPPED = FieldSet.of(
      FieldPath.of("apiVersion"), FieldPath.of("kind"), FieldPath.of("metadata"),
      FieldPath.of("metadata", "name"), FieldPath.of("metadata", "namespace"),
      FieldPath.of("metadata", "creationTimestamp"), FieldPath.of("metadata", "selfLink"),
      FieldPath.of("metadata", "uid"), FieldPath.of("metadata", "clusterName"),
      FieldPath.of("metadata", "generation"), FieldPath.of("metadata", "managedFields"),
      FieldPath.of("metadata", "resourceVersion"));

  private final String apiVersion;
  private final String group;
  private final String kind;
  private final boolean statusSubresource;
  private final SchemaType.MapType type;
  private final Clock clock;

  /**
   * @param apiVersion        {@code group/version} the requests are served at (entries record it)
   * @param openAPIV3Schema   the structural schema of the resource (the CRD-style {@code openAPIV3Schema})
   * @param statusSubresource whether {@code /status} exists: then the main resource ignores status
   */
  public FieldManager(String apiVersion, String kind, JsonNode openAPIV3Schema, boolean statusSubresource, Clock clock) {
    this.apiVersion = apiVersion;
    this.group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    this.kind = kind;
    this.statusSubresource = statusSubresource;
    this.type = StructuralSchema.root(openAPIV3Schema);
    this.clock = clock;
  }

  public FieldManager(String apiVersion, String kind, JsonNode openAPIV3Schema, boolean statusSubresource) {
    this(apiVersion, kind, openAPIV3Schema, statusSubresource, Clock.systemUTC());
  }

  /** The field manager of one served version of an {@code AggregatedApi} resource. */
  public static FieldManager forResource(String group, String version, dev.annex.apiserver.definition.Resource resource) {
    return new FieldManager(group.isEmpty() ? version : group + "/" + version, resource.kind(),
        resource.openAPIV3Schema(), resource.statusSubresource());
  }

  // ---- the request parameters ----

  /** The manager of a non-apply write: {@code fieldManager}, else the User-Agent up to its first "/". */
  public static String managerOrUserAgent(String fieldManager, String userAgent) {
    if (fieldManager != null && !fieldManager.isEmpty()) {
      return fieldManager;
    }
    String prefix = userAgent == null ? "" : userAgent.split("/", -1)[0];
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < prefix.length(); ) {
      int cp = prefix.codePointAt(i);
      i += Character.charCount(cp);
      if (!ManagedFields.printable(cp)) {
        continue;
      }
      String s = new String(Character.toChars(cp));
      int n = s.getBytes(StandardCharsets.UTF_8).length;
      if (bytes + n > ManagedFields.FIELD_MANAGER_MAX_LENGTH) {
        break;
      }
      bytes += n;
      sb.append(s);
    }
    return sb.toString();
  }

  /**
   * Upstream's ValidatePatchOptions: an apply needs a {@code fieldManager}, {@code force} is for
   * applies only, and the manager must be short and printable. A 422 on PatchOptions, or nothing.
   */
  public static void validatePatchOptions(boolean apply, String fieldManager, boolean forceGiven) {
    List<ManagedFields.Cause> causes = new ArrayList<>();
    String manager = fieldManager == null ? "" : fieldManager;
    if (!apply && forceGiven) {
      causes.add(new ManagedFields.Cause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"));
    }
    if (apply && manager.isEmpty()) {
      causes.add(new ManagedFields.Cause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager"));
    }
    causes.addAll(ManagedFields.validateFieldManager(manager, "fieldManager"));
    if (!causes.isEmpty()) {
      throw invalid("PatchOptions", "meta.k8s.io", "", causes);
    }
  }

  // ---- create, update, non-apply patch ----

  /**
   * Records an {@code Update}: returns {@code updated} with the managedFields it is to be stored
   * with. {@code live} is null on create. Client-supplied managedFields are honoured when they
   * decode (else the live ones are kept), {@code [{}]} clears them, and an existing object without
   * managedFields stays untracked, as upstream. Throws a 422 StatusException when the entries to be
   * stored are invalid (manager not printable or too long).
   *
   * <p>{@code updated} is the caller's new object, built for this write: it is changed in place and
   * returned (copying it cost a whole tree per write). {@code live} is only read.
   *
   * @param subresource "" or {@link #STATUS}
   */
  public ObjectNode update(ObjectNode live, ObjectNode updated, String manager, String subresource) {
    String sub = subresource == null ? "" : subresource;
    Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers = decodeLiveOrNew(live, updated, sub);
    ObjectNode result = updated;
    removeManagedFields(result);
    if (managers.isEmpty() && live != null) {
      return result; // untracked until someone applies (upstream's skipNonAppliedManager)
    }
    ObjectNode liveObj = live == null ? emptyObject() : readOnlyWithoutManagedFields(live);
    Updater updater = updater(sub);
    FieldSet changed = strip(updater.recordUpdate(liveObj, result, managers));
    if (!changed.isEmpty()) {
      ManagedFieldsEntry.ManagerKey key = new ManagedFieldsEntry.ManagerKey(manager, ManagedFieldsEntry.Operation.Update, apiVersion, sub);
      ManagedFieldsEntry previous = managers.get(key);
      FieldSet owned = previous == null ? changed : previous.fields().union(changed);
      managers.put(key, new ManagedFieldsEntry(manager, ManagedFieldsEntry.Operation.Update, apiVersion, now(), owned, sub));
    }
    capUpdateManagers(managers);
    encode(result, managers);
    List<ManagedFields.Cause> causes = ManagedFields.validate(result.path("metadata").get("managedFields"));
    if (!causes.isEmpty()) {
      throw invalid(kind, group, result.path("metadata").path("name").asText(""), causes);
    }
    return result;
  }

  // ---- apply ----

  /**
   * Server-side apply: merges {@code applied} (the parsed apply-patch body) into {@code live}
   * (null when the object does not exist: apply creates it) and returns the object to store, with
   * managedFields. Through {@link #STATUS} only status changes; through the main resource status
   * is left as it was (and dropped on create) when the resource has a status subresource.
   * The caller then defaults the result (defaults are never owned), validates and stores it.
   *
   * @throws ApplyConflictException 409 when others own fields with different values and !force
   * @throws StatusException        400 for a wrong kind/apiVersion or managedFields in the body,
   *                                500 (as upstream) for a body that does not fit the schema
   */
  public ObjectNode apply(ObjectNode live, JsonNode applied, String manager, boolean force, String subresource) {
    String sub = subresource == null ? "" : subresource;
    checkApplied(applied);
    try {
      Typed.toFieldSet(applied, type, true);
    } catch (TypedException e) {
      throw new StatusException(500, "InternalError", "failed to create typed patch object (" + gvknn(applied) + "): "
          + e.getMessage(), null);
    }
    Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers;
    try {
      managers = ManagedFields.decode(live == null ? null : live.path("metadata").get("managedFields"));
    } catch (ManagedFields.DecodeException e) {
      throw new StatusException(500, "InternalError", "failed to decode managed fields: " + e.getMessage(), null);
    }
    ObjectNode liveObj = live == null ? emptyObject() : withoutManagedFields(live);
    Updater updater = updater(sub);
    if (managers.isEmpty()) {
      attributeBeforeFirstApply(liveObj, managers, updater, sub);
    }
    ManagedFieldsEntry applier = new ManagedFieldsEntry(manager, ManagedFieldsEntry.Operation.Apply, apiVersion, null,
        new FieldSet(), sub);
    Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> before = new LinkedHashMap<>(managers);
    JsonNode merged;
    try {
      merged = updater.apply(liveObj, applied, managers, applier, force);
    } catch (Updater.Conflicts c) {
      managers = new LinkedHashMap<>(before);
      merged = applyUpgradingClientSideApply(liveObj, applied, managers, applier, c);
    } catch (TypedException e) {
      throw new StatusException(500, "InternalError", "failed to create typed live object (" + gvknn(applied) + "): "
          + e.getMessage(), null);
    }
    ObjectNode result = keepOnlyWhatTheSubresourceWrites(live == null ? null : liveObj, (ObjectNode) merged, sub);

    ManagedFieldsEntry mine = managers.get(applier.key());
    if (mine != null) {
      FieldSet owned = strip(mine.fields());
      boolean changed = live == null || !Values.equal(result, liveObj);
      if (owned.isEmpty()) {
        managers.remove(applier.key());
      } else {
        managers.put(applier.key(), Updater.with(mine, owned, changed ? now() : mine.time()));
      }
    }
    syncLastApplied(result, applied, manager);
    encode(result, managers);
    return result;
  }

  /** An object never applied to: whatever it holds becomes an Update of "before-first-apply". */
  private void attributeBeforeFirstApply(ObjectNode liveObj, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers,
                                         Updater updater, String sub) {
    FieldSet existing = strip(updater.recordUpdate(emptyObject(), liveObj, managers));
    if (!existing.isEmpty()) {
      ManagedFieldsEntry e = new ManagedFieldsEntry(BEFORE_FIRST_APPLY, ManagedFieldsEntry.Operation.Update, apiVersion,
          now(), existing, sub);
      managers.put(e.key(), e);
    }
  }

  /**
   * Upstream's lastAppliedManager: {@code kubectl apply --server-side} (manager "kubectl") may take
   * fields from a client-side apply without {@code --force-conflicts} when the last-applied
   * annotation still matches the live object for them; other conflicts remain.
   */
  private JsonNode applyUpgradingClientSideApply(ObjectNode liveObj, JsonNode applied,
                                                 Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers,
                                                 ManagedFieldsEntry applier, Updater.Conflicts conflicts) {
    if (!applier.manager().equals("kubectl")) {
      throw new ApplyConflictException(conflicts.conflicts);
    }
    FieldSet allowed = allowedConflictsFromLastApplied(liveObj);
    if (allowed == null) {
      throw new ApplyConflictException(conflicts.conflicts);
    }
    List<ApplyConflictException.Conflict> remaining = new ArrayList<>();
    for (ApplyConflictException.Conflict c : conflicts.conflicts) {
      if (!allowed.has(c.path())) {
        remaining.add(c);
      }
    }
    if (!remaining.isEmpty()) {
      throw new ApplyConflictException(remaining);
    }
    return updater(applier.subresource()).apply(liveObj, applied, managers, applier, true);
  }

  private FieldSet allowedConflictsFromLastApplied(ObjectNode liveObj) {
    String text = liveObj.path("metadata").path("annotations").path(LAST_APPLIED).asText("");
    if (text.isEmpty()) {
      return null;
    }
    try {
      JsonNode lastApplied = JSON.readTree(text);
      FieldSet set = Typed.toFieldSet(lastApplied, type, false);
      Typed.Comparison c = Typed.compare(lastApplied, liveObj, type);
      return set.difference(c.modified()).difference(c.added()).difference(c.removed());
    } catch (Exception e) {
      return null; // an unreadable annotation allows nothing, as upstream
    }
  }

  /**
   * Upstream's lastAppliedUpdater: once kubectl applies server-side, an existing last-applied
   * annotation follows the applied configuration so a later client-side apply still works.
   */
  private static void syncLastApplied(ObjectNode result, JsonNode applied, String manager) {
    JsonNode annotations = result.path("metadata").path("annotations");
    if (!manager.equals("kubectl") || annotations.path(LAST_APPLIED).asText("").isEmpty()) {
      return;
    }
    ObjectNode config = (ObjectNode) applied.deepCopy();
    JsonNode configAnnotations = config.path("metadata").path("annotations");
    if (configAnnotations.isObject()) {
      ((ObjectNode) configAnnotations).remove(LAST_APPLIED);
    }
    ((ObjectNode) annotations).put(LAST_APPLIED, Values.toJson(config) + "\n");
  }

  // ---- the layers around the updater ----

  private Updater updater(String sub) {
    return new Updater(type, resetFilter(sub));
  }

  /** Upstream's reset fields: status for the main resource (with /status), everything else for /status. */
  private UnaryOperator<FieldSet> resetFilter(String sub) {
    PathElement status = new PathElement.Field(STATUS);
    if (sub.equals(STATUS)) {
      return s -> {
        FieldSet r = new FieldSet();
        if (s.hasMember(status)) {
          r.addMember(status);
        }
        r.putChild(status, s.withPrefix(status).copy());
        return r;
      };
    }
    if (statusSubresource) {
      FieldSet statusSet = FieldSet.of(FieldPath.of(STATUS));
      return s -> s.recursiveDifference(statusSet);
    }
    return UnaryOperator.identity();
  }

  private ObjectNode keepOnlyWhatTheSubresourceWrites(ObjectNode liveObj, ObjectNode merged, String sub) {
    if (sub.equals(STATUS)) {
      ObjectNode r = liveObj == null ? emptyObject() : liveObj.deepCopy();
      setOrRemove(r, STATUS, merged.get(STATUS));
      return r;
    }
    if (statusSubresource) {
      setOrRemove(merged, STATUS, liveObj == null ? null : liveObj.get(STATUS));
    }
    return merged;
  }

  private static void setOrRemove(ObjectNode o, String field, JsonNode v) {
    if (v == null) {
      o.remove(field);
    } else {
      o.set(field, v.deepCopy());
    }
  }

  private static FieldSet strip(FieldSet s) {
    return s.difference(STRIPPED);
  }

  /** Upstream's decodeLiveOrNew: a subresource never sets managedFields; a request may, if they decode. */
  private static Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> decodeLiveOrNew(ObjectNode live, ObjectNode updated,
                                                                                      String sub) {
    JsonNode liveFields = live == null ? null : live.path("metadata").get("managedFields");
    if (!sub.isEmpty()) {
      return decodeOrEmpty(liveFields);
    }
    JsonNode newFields = updated.path("metadata").get("managedFields");
    if (isReset(newFields)) {
      return new LinkedHashMap<>();
    }
    Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> decoded = decodeOrEmpty(newFields);
    return decoded.isEmpty() ? decodeOrEmpty(liveFields) : decoded;
  }

  private static Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> decodeOrEmpty(JsonNode fields) {
    try {
      return ManagedFields.decode(fields);
    } catch (ManagedFields.DecodeException e) {
      return new LinkedHashMap<>();
    }
  }

  /** {@code [{}]}: the documented way to clear managedFields ({@code []} is not, so clients can't drop them by accident). */
  private static boolean isReset(JsonNode fields) {
    return fields != null && fields.isArray() && fields.size() == 1 && fields.get(0).isObject() && fields.get(0).isEmpty();
  }

  /** Upstream's capManagersManager: beyond ten updaters, the oldest merge into "ancient-changes" per apiVersion. */
  private static void capUpdateManagers(Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers) {
    List<ManagedFieldsEntry> updaters = new ArrayList<>();
    for (ManagedFieldsEntry e : managers.values()) {
      if (e.operation() == ManagedFieldsEntry.Operation.Update) {
        updaters.add(e);
      }
    }
    if (updaters.size() <= MAX_UPDATE_MANAGERS) {
      return;
    }
    updaters.sort(Comparator.comparing((ManagedFieldsEntry e) -> e.time() == null ? Instant.MIN : e.time()));
    Map<String, ManagedFieldsEntry.ManagerKey> firstOfVersion = new HashMap<>();
    int length = updaters.size();
    for (int i = 0; i < updaters.size() && length > MAX_UPDATE_MANAGERS; i++) {
      ManagedFieldsEntry e = updaters.get(i);
      ManagedFieldsEntry.ManagerKey bucket = new ManagedFieldsEntry.ManagerKey(ANCIENT_CHANGES,
          ManagedFieldsEntry.Operation.Update, e.apiVersion(), "");
      ManagedFieldsEntry.ManagerKey first = firstOfVersion.get(e.apiVersion());
      if (first == null) {
        firstOfVersion.put(e.apiVersion(), e.key());
        continue;
      }
      if (!managers.containsKey(bucket)) {
        ManagedFieldsEntry f = managers.remove(first);
        managers.put(bucket, new ManagedFieldsEntry(ANCIENT_CHANGES, ManagedFieldsEntry.Operation.Update,
            e.apiVersion(), f.time(), f.fields(), ""));
      }
      ManagedFieldsEntry b = managers.get(bucket);
      managers.put(bucket, new ManagedFieldsEntry(ANCIENT_CHANGES, ManagedFieldsEntry.Operation.Update, e.apiVersion(),
          e.time(), e.fields().union(b.fields()), ""));
      managers.remove(e.key());
      length--;
    }
  }

  private static void encode(ObjectNode obj, Map<ManagedFieldsEntry.ManagerKey, ManagedFieldsEntry> managers) {
    ObjectNode metadata = obj.with("metadata");
    ArrayNode entries = ManagedFields.encode(managers.values());
    if (entries.isEmpty()) {
      metadata.remove("managedFields");
    } else {
      metadata.set("managedFields", entries);
    }
  }

  private void checkApplied(JsonNode applied) {
    if (applied == null || !applied.isObject()) {
      throw new StatusException(400, "BadRequest", "error decoding YAML: the apply patch is not an object", null);
    }
    String av = applied.path("apiVersion").asText("");
    String k = applied.path("kind").asText("");
    if (!av.equals(apiVersion) || !k.equals(kind)) {
      throw new StatusException(400, "BadRequest", "invalid object type: " + gvk(av, k), null);
    }
    JsonNode mf = applied.path("metadata").get("managedFields");
    if (mf != null && !mf.isNull()) {
      throw new StatusException(400, "BadRequest", "metadata.managedFields must be nil", null);
    }
  }

  /** Go's GroupVersionKind.String(): {@code wardle.example.com/v1alpha1, Kind=Flunder}. */
  private static String gvk(String apiVersion, String kind) {
    String gv = apiVersion.contains("/") ? apiVersion : "/" + apiVersion;
    return gv + ", Kind=" + kind;
  }

  private static String gvknn(JsonNode obj) {
    JsonNode md = obj.path("metadata");
    return md.path("namespace").asText("") + "/" + md.path("name").asText("") + "; "
        + gvk(obj.path("apiVersion").asText(""), obj.path("kind").asText(""));
  }

  /** What {@code Creater.New(kind)} gives upstream: the "live" object of a create. */
  private ObjectNode emptyObject() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("apiVersion", apiVersion).put("kind", kind);
    return o;
  }

  private static ObjectNode withoutManagedFields(ObjectNode obj) {
    ObjectNode copy = obj.deepCopy();
    removeManagedFields(copy);
    return copy;
  }

  /**
   * The object without managedFields for comparing against: shallow copies of the object and its
   * metadata share every other field with it, so neither may be changed.
   */
  private static ObjectNode readOnlyWithoutManagedFields(ObjectNode obj) {
    if (!(obj.get("metadata") instanceof ObjectNode md) || !md.has("managedFields")) {
      return obj;
    }
    ObjectNode metadata = md.objectNode().setAll(md);
    metadata.remove("managedFields");
    ObjectNode copy = obj.objectNode().setAll(obj);
    copy.set("metadata", metadata);
    return copy;
  }

  private static void removeManagedFields(ObjectNode obj) {
    if (obj.get("metadata") instanceof ObjectNode md) {
      md.remove("managedFields");
    }
  }

  private Instant now() {
    return clock.instant();
  }

  private static StatusException invalid(String kind, String group, String name, List<ManagedFields.Cause> causes) {
    String qualified = group.isEmpty() ? kind : kind + "." + group;
    List<String> errs = new ArrayList<>();
    for (ManagedFields.Cause c : causes) {
      errs.add(c.field() + ": " + c.message());
    }
    String message = qualified + " \"" + name + "\" is invalid: "
        + (errs.size() == 1 ? errs.get(0) : "[" + String.join(", ", errs) + "]");
    ObjectNode details = StatusException.details(name, group, kind);
    ArrayNode arr = details.putArray("causes");
    causes.forEach(c -> arr.add(c.toJson()));
    return new StatusException(422, "Invalid", message, details);
  }
}
