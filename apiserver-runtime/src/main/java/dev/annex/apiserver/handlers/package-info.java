/**
 * The resource handlers, one class per verb family (get, list, watch, create, update, patch, apply,
 * delete), plus request decoding and response negotiation (JSON, Table, PartialObjectMetadata).
 * They are written against the registry's generic store; they must not touch a storage backend.
 */
package dev.annex.apiserver.handlers;
