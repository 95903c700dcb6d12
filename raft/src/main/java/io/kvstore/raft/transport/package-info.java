/**
 * Moving raft {@link io.kvstore.raft.core.Message}s between members: the {@link io.kvstore.raft.transport.Transport}
 * contract (best effort, never blocking) and {@link io.kvstore.raft.transport.NettyTransport}, its TCP
 * implementation with a hello handshake that keeps members of other clusters and unknown members out.
 * The wire format is {@code raft/v1/raft.proto}, generated into {@code io.kvstore.raft.transport.wire}.
 */
package io.kvstore.raft.transport;
