/**
 * The gRPC face of the store: mapping {@link io.kvstore.store.Failure} outcomes to gRPC statuses and trailers
 * ({@link io.kvstore.api.StatusMapper}). The generated API messages and stubs live in {@code io.kvstore.api.v1}.
 */
package io.kvstore.api;
