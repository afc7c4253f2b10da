/**
 * The API a runtime serves, read from the same {@code AggregatedApi} YAML a user applies.
 * It owns parsing and the first checks of that file; it must not know about HTTP or storage.
 */
package dev.annex.apiserver.definition;
