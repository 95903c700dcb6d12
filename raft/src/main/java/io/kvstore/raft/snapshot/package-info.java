/**
 * Snapshots in the runtime: {@link io.kvstore.raft.snapshot.SnapshotStore} keeps complete, checksummed snapshot
 * directories ({@code <index>-<term>/MANIFEST} plus the state machine's files) that appear only by atomic rename;
 * {@link io.kvstore.raft.snapshot.SnapshotServer} (leader) and {@link io.kvstore.raft.snapshot.SnapshotFetcher}
 * (follower) move a snapshot between members by pull, one chunk request outstanding, each chunk and file checked
 * against CRC32C, resumable from partial files. Each class says which thread uses it; none runs on the raft loop's
 * thread except the store's small metadata operations. docs/raft.md describes the protocol and crash safety.
 */
package io.kvstore.raft.snapshot;
