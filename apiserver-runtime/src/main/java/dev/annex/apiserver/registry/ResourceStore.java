package dev.annex.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.annex.apiserver.definition.ApiDefinition;
import dev.annex.apiserver.definition.Resource;
import dev.annex.apiserver.status.StatusException;
import dev.annex.apiserver.storage.ListOptions;
import dev.annex.apiserver.storage.ListResult;
import dev.annex.apiserver.storage.Storage;
import dev.annex.apiserver.storage.StorageException;
import dev.annex.apiserver.storage.Watch;
import dev.annex.apiserver.storage.WatchListener;
import dev.annex.apiserver.storage.WatchOptions;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The generic store of one resource, as kube-apiserver's {@code registry.Store} with the custom
 * resource strategy: objects are stored once, in the storage version's {@code apiVersion}, under
 * {@code /<plural>/[<namespace>/]<name>} of the group's storage (etcd puts {@code --etcd-prefix},
 * {@code /registry/<group>} by default, in front, as kube-apiserver keys custom resources);
 * handlers set the requested version on the way out.
 */
public final class ResourceStore {

  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final String DNS1123_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case "
      + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
      + "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  /** The alphabet of generated name suffixes: no vowels, no look-alikes, as k8s {@code utilrand}. */
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int GENERATE_NAME_ATTEMPTS = 8;

  private final ApiDefinition api;
  private final Resource resource;
  private final Storage storage;
  private final SchemaRules schema;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public ResourceStore(ApiDefinition api, Resource resource, Storage storage, SchemaRules schema, Clock clock) {
    this.api = api;
    this.resource = resource;
    this.storage = storage;
    this.schema = schema;
    this.clock = clock;
  }

  public Resource resource() {
    return resource;
  }

  public String storageApiVersion() {
    return api.group() + "/" + api.storageVersion().name();
  }

  /** The key prefix of a namespace's objects, or of all of them when {@code namespace} is empty. */
  public String prefix(String namespace) {
    String base = "/" + resource.plural() + "/";
    return resource.namespaced() && !namespace.isEmpty() ? base + namespace + "/" : base;
  }

  private String key(String namespace, String name) {
    return prefix(resource.namespaced() ? namespace : "") + name;
  }

  // ---- reads ----

  public ObjectNode get(String namespace, String name) {
    return storage.get(key(namespace, name)).orElseThrow(() -> notFound(name));
  }

  /**
   * One page of the list at one snapshot. {@code continueToken} (when not null) wins over
   * {@code resourceVersion}; an expired token or version is 410 Gone, as kube-apiserver answers.
   */
  public ListPage list(String namespace, ListQuery query) {
    String prefix = prefix(namespace);
    long at = 0;
    String startKey = null;
    if (query.continueToken() != null) {
      ContinueToken token = ContinueToken.decode(query.continueToken());
      at = token.resourceVersion();
      startKey = prefix + token.start();
    } else if (query.resourceVersion() != null && !query.resourceVersion().isEmpty() && !query.resourceVersion().equals("0")) {
      long requested = parseResourceVersion(query.resourceVersion());
      if ("Exact".equals(query.resourceVersionMatch())) {
        at = requested;
      } else if (requested > storage.currentResourceVersion()) {
        throw new StatusException(504, "Timeout", "Too large resource version: " + requested + ", current: "
            + storage.currentResourceVersion(), JsonNodeFactory.instance.objectNode().put("retryAfterSeconds", 1));
      }
    }
    ListOptions options = new ListOptions(at, startKey, query.limit(), o -> true, false);
    if ("0".equals(query.resourceVersion()) && query.continueToken() == null) {
      options = options.withAnyVersion(); // any snapshot will do: the watch cache may answer
    }
    if (query.selector() != null) {
      options = options.withFilter(query.selector());
    }
    ListResult result;
    try {
      result = storage.list(prefix, options);
    } catch (StorageException e) {
      if (e.kind() != StorageException.Kind.EXPIRED) {
        throw unavailable(e);
      }
      if (query.continueToken() != null) {
        throw StatusException.gone("The provided continue parameter is too old to display a consistent list result. "
            + "You can start a new list without the continue parameter, or use the continue token in this response to "
            + "retrieve the remainder of the results. Continuing with the provided token results in an inconsistent "
            + "list - objects that were created, modified, or deleted between the time the first chunk was returned "
            + "and now may show up in the list.");
      }
      throw StatusException.gone(e.getMessage());
    }
    String next = result.nextKey() == null ? null
        : new ContinueToken(result.resourceVersion(), result.nextKey().substring(prefix.length())).encode();
    return new ListPage(result.items(), result.resourceVersion(), next,
        result.remainingItemCount() > 0 ? result.remainingItemCount() : null, result.encoded());
  }

  /** A page of a list: items, the snapshot's version, a continue token and what remains (null when unknown). */
  /** A page of a list; {@code encoded} as {@link ListResult#encoded()}. */
  public record ListPage(List<ObjectNode> items, long resourceVersion, String continueToken, Long remainingItemCount,
                         List<ListResult.Encoded> encoded) {
    public ListPage(List<ObjectNode> items, long resourceVersion, String continueToken, Long remainingItemCount) {
      this(items, resourceVersion, continueToken, remainingItemCount, null);
    }
  }

  /** Watches one namespace's objects (all when empty). @throws StatusException 410 when too old */
  public Watch watch(String namespace, WatchOptions options, WatchListener listener) {
    try {
      return storage.watch(prefix(namespace), options, listener);
    } catch (StorageException e) {
      if (e.kind() != StorageException.Kind.EXPIRED) {
        throw unavailable(e);
      }
      throw StatusException.gone(e.getMessage());
    }
  }

  public long currentResourceVersion() {
    return storage.currentResourceVersion();
  }

  public static long parseResourceVersion(String rv) {
    try {
      long v = Long.parseLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("invalid resource version \"" + rv + "\"");
    }
  }

  // ---- create ----

  public Written create(String namespace, ObjectNode object, WriteOptions options) {
    return create(namespace, object, options, null);
  }

  /**
   * Creates the object; {@code managedFields} (when not null) records field ownership after
   * decoding, and the managedFields it returns are stored. Without it, client managedFields are dropped.
   */
  public Written create(String namespace, ObjectNode body, WriteOptions options, ManagedFieldsUpdate managedFields) {
    List<String> warnings = decodeAndDefault(body, options);
    ObjectNode object = managedFields == null ? body : managedFields.record(null, body);
    ObjectNode meta = object.with("metadata");
    settleNamespace(namespace, meta);
    if (resource.statusSubresource()) {
      object.remove("status"); // create cannot set status when the status subresource exists
    }
    meta.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"));
    if (managedFields == null) {
      meta.remove("managedFields");
    }
    meta.put("uid", UUID.randomUUID().toString());
    meta.put("creationTimestamp", timestamp());
    meta.put("generation", 1);
    boolean generate = meta.path("name").asText("").isEmpty() && !meta.path("generateName").asText("").isEmpty();
    for (int attempt = 0; ; attempt++) {
      if (generate) {
        meta.put("name", meta.path("generateName").asText() + suffix());
      }
      String name = meta.path("name").asText("");
      validate(object, null);
      if (options.dryRun()) {
        if (storage.get(key(namespace, name)).isPresent()) {
          throw alreadyExists(name);
        }
        return new Written(object, warnings);
      }
      try {
        return new Written(storage.create(key(namespace, name), object), warnings);
      } catch (StorageException e) {
        if (e.kind() != StorageException.Kind.KEY_EXISTS) {
          throw e;
        }
        if (!generate || attempt + 1 == GENERATE_NAME_ATTEMPTS) {
          throw alreadyExists(name);
        }
      }
    }
  }

  // ---- update (the main endpoint and /status) ----

  /**
   * Replaces the object with what {@code newObject} makes of its current state (a PUT body ignores
   * it; a patch applies itself to it). A resourceVersion in the new object must be the current one.
   */
  public Written update(String namespace, String name, UnaryOperator<ObjectNode> newObject, WriteOptions options,
                        boolean statusSubresource) {
    return update(namespace, name, newObject, options, statusSubresource, null);
  }

  /**
   * As {@link #update(String, String, UnaryOperator, WriteOptions, boolean)}; {@code managedFields}
   * (when not null) records field ownership against the current object after decoding, and the
   * managedFields it returns are stored. Without it, client managedFields are dropped.
   */
  public Written update(String namespace, String name, UnaryOperator<ObjectNode> newObject, WriteOptions options,
                        boolean statusSubresource, ManagedFieldsUpdate managedFields) {
    List<String> warnings = new ArrayList<>();
    Storage.UpdateFunction apply = current -> {
      warnings.clear();
      ObjectNode updated = newObject.apply(current.deepCopy());
      warnings.addAll(decodeAndDefault(updated, options));
      if (managedFields != null) {
        updated = managedFields.record(current, updated);
      }
      return prepareUpdate(namespace, name, current, updated, statusSubresource, managedFields != null);
    };
    String key = key(namespace, name);
    if (options.dryRun()) {
      ObjectNode current = storage.get(key).orElseThrow(() -> notFound(name));
      ObjectNode updated = apply.apply(current);
      return new Written(updated, List.copyOf(warnings));
    }
    ObjectNode stored;
    try {
      stored = storage.guaranteedUpdate(key, apply);
    } catch (StorageException e) {
      throw translate(e, name);
    }
    if (isDeletingWithoutFinalizers(stored)) {
      // The last finalizer was removed from an object being deleted: the delete completes now.
      try {
        ObjectNode deleted = storage.delete(key, current -> requireSameVersion(current, stored, name));
        return new Written(deleted, List.copyOf(warnings));
      } catch (StorageException e) {
        throw translate(e, name);
      }
    }
    return new Written(stored, List.copyOf(warnings));
  }

  private ObjectNode prepareUpdate(String namespace, String name, ObjectNode current, ObjectNode updated,
                                   boolean statusSubresource, boolean keepManagedFields) {
    ObjectNode meta = updated.with("metadata");
    ObjectNode oldMeta = (ObjectNode) current.get("metadata");
    String newName = meta.path("name").asText("");
    if (!newName.equals(name)) {
      throw StatusException.badRequest("the name of the object (" + newName + ") does not match the name on the URL ("
          + name + ")");
    }
    settleNamespace(namespace, meta);
    String rv = meta.path("resourceVersion").asText("");
    if (rv.isEmpty()) {
      throw invalid(name, List.of(cause("FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
          "metadata.resourceVersion")));
    }
    if (!rv.equals(oldMeta.path("resourceVersion").asText())) {
      throw StatusException.conflict(resource.plural(), api.group(), name,
          "the object has been modified; please apply your changes to the latest version and try again");
    }
    if (statusSubresource) {
      // The status endpoint changes status only: everything else comes from the stored object.
      JsonNode status = updated.get("status");
      ObjectNode result = current.deepCopy();
      if (status == null) {
        result.remove("status");
      } else {
        result.set("status", status);
      }
      if (keepManagedFields) {
        // managedFields were recorded for this status write (upstream's status strategy keeps them).
        JsonNode managedFields = meta.get("managedFields");
        if (managedFields == null) {
          result.with("metadata").remove("managedFields");
        } else {
          result.with("metadata").set("managedFields", managedFields);
        }
      }
      validate(result, current);
      return result;
    }
    String newUid = meta.path("uid").asText("");
    if (!newUid.isEmpty() && !newUid.equals(oldMeta.path("uid").asText())) {
      throw invalid(name, List.of(cause("FieldValueInvalid", "Invalid value: \"" + newUid + "\": field is immutable",
          "metadata.uid")));
    }
    if (resource.statusSubresource()) {
      if (current.has("status")) {
        updated.set("status", current.get("status"));
      } else {
        updated.remove("status");
      }
    }
    for (String kept : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "generation")) {
      if (oldMeta.has(kept)) {
        meta.set(kept, oldMeta.get(kept));
      } else {
        meta.remove(kept);
      }
    }
    meta.remove(keepManagedFields ? List.of("selfLink") : List.of("managedFields", "selfLink"));
    if (oldMeta.has("deletionTimestamp")) {
      Set<String> before = new HashSet<>();
      oldMeta.path("finalizers").forEach(f -> before.add(f.asText()));
      for (JsonNode f : meta.path("finalizers")) {
        if (!before.contains(f.asText())) {
          throw invalid(name, List.of(cause("FieldValueForbidden",
              "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers [\""
                  + f.asText() + "\"]", "metadata.finalizers")));
        }
      }
    }
    if (specChanged(current, updated)) {
      meta.put("generation", oldMeta.path("generation").asLong(1) + 1);
    }
    validate(updated, current);
    return updated;
  }

  /** Whether anything but metadata (and status, when it has its own endpoint) changed. */
  private boolean specChanged(ObjectNode before, ObjectNode after) {
    // field by field: copying both objects to drop the ignored fields was 4.5 % of an update's garbage
    Set<String> fields = new HashSet<>();
    before.fieldNames().forEachRemaining(fields::add);
    after.fieldNames().forEachRemaining(fields::add);
    for (String field : fields) {
      boolean ignored = field.equals("metadata") || field.equals("apiVersion") || field.equals("kind")
          || (resource.statusSubresource() && field.equals("status"));
      if (!ignored && !Objects.equals(before.get(field), after.get(field))) {
        return true;
      }
    }
    return false;
  }

  // ---- delete ----

  public Deleted delete(String namespace, String name, DeleteOptions options) {
    String key = key(namespace, name);
    ObjectNode current = storage.get(key).orElseThrow(() -> notFound(name));
    checkPreconditions(current, options, name);
    List<String> gcFinalizer = switch (options.propagationPolicy() == null ? "" : options.propagationPolicy()) {
      case "Orphan" -> List.of("orphan");
      case "Foreground" -> List.of("foregroundDeletion");
      default -> List.of();
    };
    boolean waitsForFinalizers = current.path("metadata").path("finalizers").size() > 0 || !gcFinalizer.isEmpty();
    if (!waitsForFinalizers) {
      if (options.dryRun()) {
        return new Deleted(current, true);
      }
      try {
        return new Deleted(storage.delete(key, o -> checkPreconditions(o, options, name)), true);
      } catch (StorageException e) {
        throw translate(e, name);
      }
    }
    Storage.UpdateFunction markDeleting = o -> {
      checkPreconditions(o, options, name);
      ObjectNode meta = o.with("metadata");
      if (!meta.has("deletionTimestamp")) {
        meta.put("generation", meta.path("generation").asLong(1) + 1);
        meta.put("deletionTimestamp", timestamp());
        meta.put("deletionGracePeriodSeconds", 0);
      }
      ArrayNode finalizers = meta.withArray("finalizers");
      for (String f : gcFinalizer) {
        boolean present = false;
        for (JsonNode existing : finalizers) {
          present |= existing.asText().equals(f);
        }
        if (!present) {
          finalizers.add(f);
        }
      }
      return o;
    };
    if (options.dryRun()) {
      return new Deleted(markDeleting.apply(current), false);
    }
    try {
      return new Deleted(storage.guaranteedUpdate(key, markDeleting), false);
    } catch (StorageException e) {
      throw translate(e, name);
    }
  }

  private boolean checkPreconditions(ObjectNode current, DeleteOptions options, String name) {
    JsonNode meta = current.path("metadata");
    if (options.preconditionUid() != null && !options.preconditionUid().equals(meta.path("uid").asText())) {
      throw StatusException.conflict(resource.plural(), api.group(), name, "Precondition failed: UID in precondition: "
          + options.preconditionUid() + ", UID in object meta: " + meta.path("uid").asText());
    }
    if (options.preconditionResourceVersion() != null
        && !options.preconditionResourceVersion().equals(meta.path("resourceVersion").asText())) {
      throw StatusException.conflict(resource.plural(), api.group(), name,
          "Precondition failed: ResourceVersion in precondition: " + options.preconditionResourceVersion()
              + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
    }
    return true;
  }

  private boolean requireSameVersion(ObjectNode current, ObjectNode expected, String name) {
    if (!current.path("metadata").path("resourceVersion").equals(expected.path("metadata").path("resourceVersion"))) {
      throw StatusException.conflict(resource.plural(), api.group(), name,
          "the object has been modified; please apply your changes to the latest version and try again");
    }
    return true;
  }

  private static boolean isDeletingWithoutFinalizers(ObjectNode o) {
    JsonNode meta = o.path("metadata");
    return meta.has("deletionTimestamp") && meta.path("finalizers").size() == 0;
  }

  // ---- shared rules ----

  /**
   * What decoding a custom resource does before any strategy runs: unknown fields are pruned (and
   * reported per fieldValidation), defaults applied, and the storage version set.
   */
  private List<String> decodeAndDefault(ObjectNode object, WriteOptions options) {
    List<String> unknown = schema.pruneUnknownFields(object);
    List<String> warnings = new ArrayList<>();
    if (!unknown.isEmpty()) {
      switch (options.fieldValidation()) {
        case Strict -> throw StatusException.badRequest("strict decoding error: "
            + String.join(", ", unknown.stream().map(p -> "unknown field \"" + p + "\"").toList()));
        case Warn -> unknown.forEach(p -> warnings.add("unknown field \"" + p + "\""));
        case Ignore -> { }
      }
    }
    schema.applyDefaults(object);
    object.put("apiVersion", storageApiVersion());
    object.put("kind", resource.kind());
    return warnings;
  }

  /**
   * The namespace is the request's: a body may leave it out (kubectl replace, fabric8 edits do) but
   * not contradict it; a cluster-scoped object has none.
   */
  private void settleNamespace(String namespace, ObjectNode meta) {
    if (!resource.namespaced()) {
      meta.remove("namespace");
      return;
    }
    String inBody = meta.path("namespace").asText("");
    if (!inBody.isEmpty() && !inBody.equals(namespace)) {
      throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on "
          + "the request");
    }
    meta.put("namespace", namespace);
  }

  /** Metadata and schema validation; every field error in one 422 Invalid. */
  private void validate(ObjectNode object, ObjectNode old) {
    List<ObjectNode> causes = new ArrayList<>();
    JsonNode meta = object.path("metadata");
    String name = meta.path("name").asText("");
    if (name.isEmpty()) {
      causes.add(cause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name"));
    } else if (name.length() > 253 || !DNS1123_SUBDOMAIN.matcher(name).matches()) {
      causes.add(cause("FieldValueInvalid", "Invalid value: \"" + name + "\": "
          + (name.length() > 253 ? "must be no more than 253 characters" : DNS1123_MESSAGE), "metadata.name"));
    }
    validateStringMap(meta.path("labels"), "metadata.labels", causes, true);
    validateStringMap(meta.path("annotations"), "metadata.annotations", causes, false);
    causes.addAll(schema.validate(object));
    if (!causes.isEmpty()) {
      throw invalid(name, causes);
    }
  }

  private static void validateStringMap(JsonNode map, String field, List<ObjectNode> causes, boolean labels) {
    if (map.isMissingNode() || map.isNull()) {
      return;
    }
    if (!map.isObject()) {
      causes.add(cause("FieldValueTypeInvalid", "Invalid value: \"" + map.getNodeType().name().toLowerCase() + "\": "
          + "must be an object of strings", field));
      return;
    }
    for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      JsonNode v = map.get(k);
      if (!v.isTextual()) {
        causes.add(cause("FieldValueTypeInvalid", "Invalid value: " + v + ": must be a string", field + "[" + k + "]"));
      } else if (labels && v.asText().length() > 63) {
        causes.add(cause("FieldValueInvalid", "Invalid value: \"" + v.asText() + "\": must be no more than 63 characters",
            field));
      }
    }
  }

  static ObjectNode cause(String reason, String message, String field) {
    return JsonNodeFactory.instance.objectNode().put("reason", reason).put("message", message).put("field", field);
  }

  /** 422 Invalid with kube-apiserver's message: {@code Kind.group "name" is invalid: [field: msg, ...]}. */
  private StatusException invalid(String name, List<ObjectNode> causes) {
    List<String> texts = causes.stream().map(c -> c.path("field").asText() + ": " + c.path("message").asText()).toList();
    String joined = texts.size() == 1 ? texts.get(0) : "[" + String.join(", ", texts) + "]";
    return StatusException.invalid(resource.kind(), api.group(), name,
        resource.kind() + "." + api.group() + " \"" + name + "\" is invalid: " + joined, causes);
  }

  private StatusException notFound(String name) {
    return StatusException.notFound(resource.plural(), api.group(), name);
  }

  private StatusException alreadyExists(String name) {
    return StatusException.alreadyExists(resource.plural(), api.group(), name);
  }

  private StatusException translate(StorageException e, String name) {
    return switch (e.kind()) {
      case NOT_FOUND -> notFound(name);
      case KEY_EXISTS -> alreadyExists(name);
      case EXPIRED -> StatusException.gone(e.getMessage());
      case UNAVAILABLE, TIMEOUT -> unavailable(e);
    };
  }

  /** An unreachable storage is 503 and a slow one 504, each a Status the client may retry. */
  public static StatusException unavailable(StorageException e) {
    return switch (e.kind()) {
      case UNAVAILABLE -> StatusException.serviceUnavailable(e.getMessage());
      case TIMEOUT -> StatusException.storageTimeout(e.getMessage());
      default -> StatusException.internal(e.getMessage());
    };
  }

  private String suffix() {
    StringBuilder s = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      s.append(SUFFIX_ALPHABET.charAt(random.nextInt(SUFFIX_ALPHABET.length())));
    }
    return s.toString();
  }

  private String timestamp() {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
  }

  /** For tests and handlers that need the object's current state without a 404. */
  public Optional<ObjectNode> find(String namespace, String name) {
    return storage.get(key(namespace, name));
  }
}
