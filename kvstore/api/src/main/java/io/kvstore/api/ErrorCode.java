package io.kvstore.api;

/**
 * Every expected failure of a kvstore request. The name is the machine-readable reason a client sees (in the
 * {@code kvstore-error-reason} trailer) and the form stored in the exactly-once table, so names are stable: add
 * codes, never rename them. {@code io.kvstore.api.StatusMapper} maps each to a gRPC status code.
 */
public enum ErrorCode {
    /** The request is malformed in a way no more specific code covers. */
    INVALID_ARGUMENT,
    /** A path breaks a path rule (see kv.proto) rule. */
    INVALID_PATH,
    /** A value is over the server limit VALUE_BYTES_MAX. */
    VALUE_TOO_LARGE,
    /** A request is over the server limit REQUEST_BYTES_MAX. */
    REQUEST_TOO_LARGE,
    /** A txn has more than the server limit TXN_OPS_MAX compares plus operations. */
    TOO_MANY_OPS,
    /** The root was the target of a create, put or delete. */
    ROOT_READ_ONLY,
    /** The request uses a feature that is defined in the API but not built yet. */
    UNIMPLEMENTED,
    /** The znode does not exist. */
    NOT_FOUND,
    /** The znode's parent does not exist and {@code make_parents} was not set. */
    PARENT_NOT_FOUND,
    /** The znode already exists. */
    ALREADY_EXISTS,
    /** {@code expected_version} did not match; the failure carries the current version. */
    VERSION_MISMATCH,
    /** A non-recursive delete of a znode that has children. */
    HAS_CHILDREN,
    /** A recursive delete would remove more than the server limit RECURSIVE_DELETE_ZNODES_MAX znodes. */
    SUBTREE_TOO_LARGE,
    /** A write's sequence is below the highest applied for its client id, whose result is no longer kept. */
    STALE_SEQUENCE,
    /** A List page token is malformed or for another path. */
    INVALID_PAGE_TOKEN,
    /** The children changed since the listing's first page: restart from the first page. */
    PAGE_TOKEN_STALE,
    /** A log entry could not be decoded: a bug in the proposer; it is skipped on every member alike. */
    INVALID_COMMAND,
    /**
     * The member asked is not the leader and could not forward the request. Retryable (UNAVAILABLE); the trailers
     * name the leader ({@link ErrorTrailers#LEADER_ID}, {@link ErrorTrailers#LEADER_ADDRESS}) when it is known.
     */
    NOT_LEADER,
    /** No leader or no quorum, or the member is shutting down: retry with backoff (UNAVAILABLE). */
    NO_QUORUM,
    /**
     * A write was proposed but its outcome is unknown (the deadline passed, or leadership changed before it was
     * committed). Retrying with the same client id and sequence is safe: it is applied at most once.
     */
    OUTCOME_UNKNOWN,
    /** The leader has too much uncommitted data or too many queued requests: retry with backoff. */
    BUSY,
    /** Cluster service: no member of that name is in the cluster (NOT_FOUND). */
    MEMBER_NOT_FOUND,
    /** Cluster service: a member of that name is already in the cluster (ALREADY_EXISTS). */
    MEMBER_EXISTS,
    /** Cluster service: the leadership transfer target is a learner, not a voter (FAILED_PRECONDITION). */
    NOT_VOTER,
    /** Cluster service: removing the only voter would leave a cluster that can never commit (FAILED_PRECONDITION). */
    LAST_VOTER,
    /** Cluster service: the learner to promote has not caught up with the leader's log; retry later
     *  (FAILED_PRECONDITION). */
    LEARNER_BEHIND,
    /**
     * Cluster service: the target did not take over leadership within the bounded wait (down, partitioned, or
     * unable to catch up); the old leader keeps leading (FAILED_PRECONDITION).
     */
    TRANSFER_FAILED,
    /**
     * Cluster service: another membership change is not yet committed, the leader has not committed an entry of its
     * term yet, or a leadership transfer is running; nothing was changed, retry shortly (UNAVAILABLE).
     */
    CHANGE_IN_PROGRESS,
    /**
     * No live session has this id: it expired, was closed, or never existed (ids are never reused, so the three
     * cannot be confused with a later session). Its ephemeral znodes are gone: open a new session.
     */
    SESSION_EXPIRED,
    /** A create or put would make a child of an ephemeral znode; ephemeral znodes are leaves (as in ZooKeeper). */
    EPHEMERAL_HAS_NO_CHILDREN,
    /** A session TTL or znode TTL outside its documented bounds (Limits.SESSION_TTL_MILLIS_MIN and friends). */
    TTL_OUT_OF_RANGE,
    /** A session already owns Limits.EPHEMERALS_PER_SESSION_MAX ephemeral znodes. */
    TOO_MANY_EPHEMERALS,
    /**
     * A watch asked for a revision older than the member's bounded history (OUT_OF_RANGE). The cancellation carries
     * the oldest revision still available: read the state at it and watch from it + 1.
     */
    COMPACTED,
    /** A watch fell too far behind its stream's buffer and was cancelled; resume from its last revision + 1. */
    SLOW_WATCHER,
    /** A watch stream already has the maximum number of watches (1,000): use another stream. */
    TOO_MANY_WATCHES,
    // --- locks and elections (lock.proto, election.proto; docs/fencing.md) ---
    /**
     * A fenced write's token is not a current holder's token of the named lock or election (a newer holder was
     * granted, the holder released or its session ended, or the token is from another lock). Nothing was written
     * (FAILED_PRECONDITION): the caller has lost the lock and must acquire it again.
     */
    FENCED,
    /** Release or resign of a lock or candidacy that is not held: no waiter with that key and token exists. */
    LOCK_NOT_HELD,
    /** A lock or election name that is not one path segment of [A-Za-z0-9._:@-] (INVALID_ARGUMENT). */
    INVALID_LOCK_NAME,
    /** The election has no leader (NOT_FOUND). */
    NO_LEADER,
    // ---- Auth (docs/security.md) ----
    /** Auth is enabled and the call carried no token and no client certificate identity (UNAUTHENTICATED). */
    AUTH_REQUIRED,
    /** Authenticate: unknown user or wrong password, deliberately not told apart (UNAUTHENTICATED). */
    AUTH_FAILED,
    /** The token is past its expiry: authenticate again (UNAUTHENTICATED). */
    TOKEN_EXPIRED,
    /**
     * The token is malformed, not signed by this cluster, or was invalidated (password change, user deleted, auth
     * disabled and enabled again): authenticate again (UNAUTHENTICATED).
     */
    TOKEN_INVALID,
    /** The caller is authenticated but its roles do not allow the call (PERMISSION_DENIED). */
    PERMISSION_DENIED,
    /** Authenticate while auth is disabled: no token is needed (FAILED_PRECONDITION). */
    AUTH_NOT_ENABLED,
    /** AuthEnable without a user named root: create it first (FAILED_PRECONDITION). */
    ROOT_USER_REQUIRED,
    /** The root role cannot be changed, and the root user cannot be deleted or lose the root role while auth is
     *  enabled (FAILED_PRECONDITION). */
    ROOT_PROTECTED,
    /** No user of that name (NOT_FOUND). */
    USER_NOT_FOUND,
    /** A user of that name already exists (ALREADY_EXISTS). */
    USER_EXISTS,
    /** No role of that name (NOT_FOUND). */
    ROLE_NOT_FOUND,
    /** A role of that name already exists (ALREADY_EXISTS). */
    ROLE_EXISTS,
    /** The role has no grant on that prefix, or the user does not have that role (NOT_FOUND). */
    GRANT_NOT_FOUND,
    /**
     * The store is over its space quota ({@code --quota-backend-bytes}): writes that add data are refused
     * (RESOURCE_EXHAUSTED) until deletes bring it back under the alarm's clear mark; reads and deletes work.
     */
    NO_SPACE,
    // ---- Membership ----
    /**
     * The member asked has been removed from the cluster (it may still run): it serves no watch or election
     * observation any more, since it no longer receives the cluster's writes. Retry at another member
     * (UNAVAILABLE); a watch resumes there from its last revision + 1.
     */
    NOT_MEMBER
}
