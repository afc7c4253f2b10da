/**
 * The request and response types every filter and handler speaks: the decoded request with its
 * {@link dev.annex.apiserver.http.RequestInfo} and user, and a full or streamed response. It owns
 * those shapes; it must not know about Netty (the server translates) or about any resource.
 */
package dev.annex.apiserver.http;
