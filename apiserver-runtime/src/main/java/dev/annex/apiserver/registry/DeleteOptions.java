package dev.annex.apiserver.registry;

/**
 * A delete's options as in {@code meta/v1 DeleteOptions}: preconditions on uid and resourceVersion
 * (null when absent), {@code propagationPolicy} (Orphan and Foreground add the garbage collector's
 * finalizers, as kube-apiserver does) and dry-run.
 */
public record DeleteOptions(String preconditionUid, String preconditionResourceVersion, String propagationPolicy,
                            boolean dryRun) {

  public static DeleteOptions defaults() {
    return new DeleteOptions(null, null, null, false);
  }
}
