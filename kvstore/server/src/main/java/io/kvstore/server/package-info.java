/**
 * The kvstore server process: {@link io.kvstore.server.KvServer} wires the state machine, the raft member and the
 * gRPC services together; {@link io.kvstore.server.StatusMapper} is the one place outcomes become gRPC statuses.
 * Subpackages by concept: {@code config} (flags, environment, file), {@code kv} (the KV service and forwarding),
 * {@code member} (leader and member addresses), {@code interceptor} (the chain every service goes through).
 */
package io.kvstore.server;
