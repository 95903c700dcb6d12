/**
 * Sessions on the server side: the kvstore.v1 Session service and the two leader-side tasks that turn the passing of
 * time into replicated decisions.
 *
 * <p>The replicated state (live sessions, ephemeral and TTL znodes) lives in {@code io.kvstore.store}; what is here
 * is in memory and exists only on the leader. {@link io.kvstore.session.SessionTracker} keeps a deadline per live
 * session (monotonic clock), restarted by each keepalive, and proposes {@code ExpireSessions} for the ones that pass
 * it. {@link io.kvstore.session.TtlReaper} does the same for TTL znodes, with a write to the znode as the keepalive,
 * and proposes {@code ExpireTtlZnodes} conditional on the znode's mod_revision. Neither writes keepalives to the log.
 * The session tracker checkpoints its countdowns through the log ({@code CheckpointSessions}, every 2 s, only the
 * ones that moved), and a member that becomes leader continues each from its checkpoint plus a bounded grace
 * ({@code min(TTL, checkpoint + 2 s)}; the full TTL when never checkpointed), so frequent elections do not keep a
 * dead client's session alive (etcd #9395). The TTL reaper starts from nothing: every TTL znode gets its full TTL.
 */
package io.kvstore.session;
