/**
 * Server-side apply as kube-apiserver has it (structured-merge-diff on the resource's structural
 * schema): the FieldsV1 set encoding, {@code metadata.managedFields}, field ownership for updates,
 * and the apply merge with its conflicts. A pure library over Jackson trees: it must not speak HTTP,
 * touch storage, default, validate or prune objects; the handlers call {@link
 * dev.annex.apiserver.apply.FieldManager} and do those themselves.
 */
package dev.annex.apiserver.apply;
