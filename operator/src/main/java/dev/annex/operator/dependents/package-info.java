/**
 * One JOSDK dependent resource per object the operator owns, each a {@code desired(primary,
 * context)} built from the spec, the {@link dev.annex.operator.ResourceNames} and the labels. They
 * never decide policy (certificate renewal, validation): they render what the reconciler decided.
 */
package dev.annex.operator.dependents;
