/**
 * The embedded default a new user starts with ({@code make run}): the real control plane on
 * loopback, the operator in-process, and the runtime as a local process behind an external
 * backend, started from the Secret and ConfigMap the operator wrote. It owns no product logic:
 * everything it runs is the operator and runtime as shipped.
 */
package dev.annex.local;
