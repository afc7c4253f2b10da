/**
 * The handler chain in front of every handler: one class per filter and {@link
 * dev.annex.apiserver.filters.HandlerChain}, the one place that orders them (the order is the
 * security story). Filters decide whether and as whom a request runs; they must not answer
 * resource requests themselves.
 */
package dev.annex.apiserver.filters;
