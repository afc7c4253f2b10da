/** Waiting for a cluster to reach a state: polling with a timeout, and a message that says what was awaited and what was seen. */
package dev.annex.testing.waiting;
