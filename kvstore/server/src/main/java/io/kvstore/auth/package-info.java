/**
 * Authentication and authorization (docs/security.md). Users, roles and path-prefix grants are replicated through
 * raft ({@code io.kvstore.store.AuthCommands} applies them; {@link io.kvstore.auth.AuthState} is the applied version
 * every decision reads). {@link io.kvstore.auth.AuthInterceptor}, in the server's one interceptor chain, authenticates
 * every call (HMAC-signed {@link io.kvstore.auth.Tokens}, a client certificate's common name, or a member's
 * {@link io.kvstore.auth.MemberCredentials}) and authorizes it by the {@link io.kvstore.auth.MethodTable}, the one
 * table of what each gRPC method needs; {@link io.kvstore.auth.PathGrants} holds the prefix matching rules.
 * {@link io.kvstore.auth.AuthService} is the kvstore.v1 Auth service; {@link io.kvstore.auth.PasswordHasher} makes the
 * salted PBKDF2 hashes; {@link io.kvstore.auth.ForwardedIdentity} carries the caller's identity on calls a member
 * forwards to the leader.
 */
package io.kvstore.auth;
