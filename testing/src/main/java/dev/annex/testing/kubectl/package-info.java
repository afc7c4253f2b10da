/**
 * The real {@code kubectl} binary, driven by tests the way a user drives it: one kubeconfig, bounded
 * runs stopped by their pid, stdout and stderr as printed. It asserts nothing beyond the exit code.
 */
package dev.annex.testing.kubectl;
