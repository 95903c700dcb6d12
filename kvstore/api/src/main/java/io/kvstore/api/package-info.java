/**
 * The kvstore wire API shared by servers and clients: the generated {@code kvstore.v1} messages and stubs
 * ({@code io.kvstore.api.v1}), the error reasons ({@link io.kvstore.api.ErrorCode}) and the trailer keys that carry
 * them ({@link io.kvstore.api.ErrorTrailers}).
 */
package io.kvstore.api;
