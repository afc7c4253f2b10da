/**
 * What a user installs, generated from one source: {@link dev.annex.shipping.ShippedFiles} renders
 * deploy/ and bundle/, {@link dev.annex.shipping.WriteManifests} writes them ({@code make bundle}).
 * Nothing under deploy/ or bundle/ is edited by hand.
 */
package dev.annex.shipping;
