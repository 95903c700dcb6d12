/**
 * The public API of the raft library: {@link io.kvstore.raft.RaftNode} runs one member, configured by
 * {@link io.kvstore.raft.RaftNodeOptions}, driving a caller's {@link io.kvstore.raft.StateMachine}; requests fail
 * with {@link io.kvstore.raft.RaftException} subclasses. Threads: one event loop owns the protocol core and the log
 * ({@code RaftLoop}), one thread applies committed entries ({@code ApplyLoop}); both are package-private.
 */
package io.kvstore.raft;
