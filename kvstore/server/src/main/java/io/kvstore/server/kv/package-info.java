/**
 * The kvstore.v1 KV gRPC service ({@link io.kvstore.server.kv.KvService}): writes proposed through raft on the
 * leader, linearizable reads by read index, serializable reads from local state, and forwarding from followers to
 * the leader.
 */
package io.kvstore.server.kv;
