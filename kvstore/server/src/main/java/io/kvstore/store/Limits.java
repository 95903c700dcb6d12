package io.kvstore.store;

/**
 * Fixed bounds of the store. They are part of the replicated semantics: every member checks them when it applies a
 * command, so all members must agree on them; changing one is a format change, not a configuration knob. A server
 * may enforce stricter bounds before proposing.
 */
public final class Limits {

    /** Longest path in bytes. Linux's PATH_MAX; keeps RocksDB keys far below a block (4 KiB + a few bytes). */
    public static final int PATH_BYTES_MAX = 4096;

    /**
     * Most segments in a path. Bounds the work of {@code make_parents} (one create per missing ancestor) and of
     * walking up a path; configuration trees are rarely deeper than ten.
     */
    public static final int PATH_DEPTH_MAX = 64;

    /** Largest znode value: 1 MiB, ZooKeeper's {@code jute.maxbuffer}; a coordination store is not a blob store. */
    public static final int VALUE_BYTES_MAX = 1 << 20;

    /**
     * Largest serialized request or command: 1.5 MiB, etcd's default. Leaves room for one maximal value plus the
     * rest of a request, and keeps a raft entry well under the transport's frame size.
     */
    public static final int REQUEST_BYTES_MAX = 3 << 19;

    /** Most compares plus operations in one txn: 128, etcd's default. Bounds the work of one log entry. */
    public static final int TXN_OPS_MAX = 128;

    /** Most znodes one recursive delete removes: bounds the memory and the RocksDB batch of one log entry. */
    public static final int RECURSIVE_DELETE_ZNODES_MAX = 10_000;

    /** Longest client id in bytes: a UUID is 36. */
    public static final int CLIENT_ID_BYTES_MAX = 128;

    /**
     * Most client ids the exactly-once table remembers. Beyond it the client whose last write is oldest (by raft
     * index) is forgotten; a retry from it after that could apply twice. 100,000 active writers is far above a
     * coordination store's client count, and each entry holds one result, usually tens of bytes.
     */
    public static final int DEDUP_CLIENTS_MAX = 100_000;

    /** Longest member id in a PublishMember command; the raft module allows 64 characters. */
    public static final int MEMBER_ID_BYTES_MAX = 64;

    /** Longest published client address (host:port); a DNS name is at most 253 bytes. */
    public static final int MEMBER_ADDRESS_BYTES_MAX = 260;

    /** Names per List page when the request says 0. */
    public static final int LIST_LIMIT_DEFAULT = 1_000;

    /** Most names per List page. */
    public static final int LIST_LIMIT_MAX = 10_000;

    /** A List page stops once its names reach this many bytes: 1 MiB keeps a response under REQUEST_BYTES_MAX. */
    public static final int LIST_PAGE_BYTES_MAX = 1 << 20;

    /**
     * Shortest session TTL: 1 s. Shorter ones expire on a single slow fsync or GC pause of the client; the leader
     * checks deadlines every 100 ms, so expiry is late by at most that plus one commit.
     */
    public static final long SESSION_TTL_MILLIS_MIN = 1_000;

    /** Longest session TTL: 1 hour. A dead client's ephemerals should not outlive an operator's patience. */
    public static final long SESSION_TTL_MILLIS_MAX = 3_600_000;

    /** Shortest znode TTL: 1 s, for the same reason as sessions. */
    public static final long ZNODE_TTL_MILLIS_MIN = 1_000;

    /** Longest znode TTL: 30 days; longer-lived data should be persistent. */
    public static final long ZNODE_TTL_MILLIS_MAX = 30L * 24 * 3_600_000;

    /**
     * Most ephemeral znodes one session owns: closing or expiring it deletes them all in one log entry, so this
     * bounds that entry's RocksDB batch like {@link #RECURSIVE_DELETE_ZNODES_MAX}.
     */
    public static final int EPHEMERALS_PER_SESSION_MAX = 10_000;

    /** Most ids (or znodes) in one ExpireSessions (ExpireTtlZnodes) command; the leader proposes more in turn. */
    public static final int EXPIRE_BATCH_MAX = 100;

    /**
     * Most sessions in one CheckpointSessions command: about 20 bytes each, so at most ~20 KB per entry (far under
     * {@link #REQUEST_BYTES_MAX}), small enough not to delay the writes it is interleaved with; the leader proposes
     * the rest in later ticks.
     */
    public static final int CHECKPOINT_BATCH_MAX = 1_000;

    private Limits() {
    }
}
