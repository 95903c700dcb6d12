package io.kvstore.client;

/** How fresh a read must be. */
public enum ReadConsistency {
    /**
     * The default: the read reflects every write acknowledged before it started, whichever member answers (the
     * member confirms with the leader).
     */
    LINEARIZABLE,
    /**
     * Served from the answering member's own state without asking the leader: cheaper and available without a
     * quorum, but possibly stale. Never older than what that member served before.
     */
    SERIALIZABLE
}
