/**
 * The generic store every resource of the group uses: kube-apiserver's object metadata rules (name,
 * generateName, uid, generation, resourceVersion, finalizers, deletionTimestamp), the create,
 * update and status strategies of a CRD, dry-run, and the schema's defaults, pruning and validation.
 * It is written against the storage interface only; it must not know about HTTP or media types.
 */
package dev.annex.apiserver.registry;
