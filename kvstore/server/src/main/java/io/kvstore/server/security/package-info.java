/**
 * Transport security and connection limits of the client port: the TLS contexts of the gRPC listener and of the
 * member channels ({@link io.kvstore.server.security.ClientTls}), the verified client certificate's identity in the
 * call context ({@link io.kvstore.server.security.PeerIdentity}), and the cap on open connections
 * ({@link io.kvstore.server.security.ConnectionLimiter}). See docs/security.md.
 */
package io.kvstore.server.security;
