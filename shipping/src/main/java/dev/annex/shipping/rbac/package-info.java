/**
 * The operator's RBAC, derived from what its code does: the reconciler's workflow for the dependents,
 * a declared list (each entry with the code that needs it) for the rest. Never grants by guess.
 */
package dev.annex.shipping.rbac;
