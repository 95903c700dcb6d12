/**
 * Sessions on the server side: the kvstore.v1 Session service and the two leader-side tasks that turn the passing of
 * time into replicated decisions.
 *
 * <p>The replicated state (live sessions, ephemeral and TTL znodes) lives in {@code io.kvstore.store}; what is here
 * is in memory and exists only on the leader. {@link io.kvstore.session.SessionTracker} keeps a deadline per live
 * session (monotonic clock), restarted by each keepalive, and proposes {@code ExpireSessions} for the ones that pass
 * it. {@link io.kvstore.session.TtlReaper} does the same for TTL znodes, with a write to the znode as the keepalive,
 * and proposes {@code ExpireTtlZnodes} conditional on the znode's mod_revision. Neither writes keepalives to the log.
 * When a member becomes leader it starts both from nothing: every session and TTL znode gets its full TTL from that
 * moment (the grace period), so no session expires because of an election.
 */
package io.kvstore.session;
