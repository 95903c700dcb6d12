package io.kvstore.raft;

import io.kvstore.raft.core.RaftConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything one {@link RaftNode} needs to start, validated once here: an invalid value throws
 * {@link IllegalArgumentException} naming the field. Immutable. Build with {@link #builder}, which fills the defaults.
 *
 * @param id this member's id; must be a key of {@code members}
 * @param clusterId id shared by all members; a connection from another cluster is refused
 * @param members every voting member's id and the address its transport listens on (including this member)
 * @param dataDir directory owned by this member; its raft state lives in {@code <dataDir>/raft}
 * @param tickMillis length of one logical tick in milliseconds. Default 10: fine enough for a 200 ms election
 *     timeout, coarse enough that an idle member wakes 100 times a second only.
 * @param electionTicks ticks without a leader before an election; the core randomizes in
 *     [electionTicks, 2 * electionTicks). Default 20 (200-400 ms with 10 ms ticks): longer means fewer needless
 *     elections on a slow network, shorter means faster failover.
 * @param heartbeatTicks ticks between leader heartbeats; must be well under electionTicks. Default 3.
 * @param preVote run a pre-vote before an election so a rejoining member does not disrupt a healthy leader.
 * @param checkQuorum a leader steps down when it has not heard from a quorum for an election timeout.
 * @param maxInflightMsgs AppendEntries messages in flight per follower (pipelining depth).
 * @param maxInflightBytes bytes of entries in flight per follower.
 * @param maxMsgBytes bytes of entries in one AppendEntries; must stay below the transport's frame limit.
 * @param maxUncommittedBytes bytes of uncommitted entries a leader accepts before proposals get "busy".
 * @param join false (default): {@code members} is the bootstrap membership of a new cluster, identical on every
 *     initial member. true: this member joins an existing cluster; {@code members} only tells it where some
 *     current members are, and it learns the membership from the leader once an operator added it as a learner.
 *     After the first start the membership always comes from the log; {@code members} then only supplies
 *     addresses of members whose address the log does not record.
 * @param leaseReads serve linearizable reads on the leader from a check-quorum lease, without a heartbeat round.
 *     Default false. Faster, but correct only while clocks drift less than {@code clockDriftMax} and the leader is
 *     not paused between checking its lease and reading (docs/raft.md, "Lease reads").
 * @param clockDriftMax the bound on how much faster one member's monotonic clock may run than another's, as a
 *     fraction (default 0.05 = 5%); the lease is shortened by it.
 * @param snapshotEveryEntries entries applied between snapshots; after each snapshot the log is compacted to it.
 *     Default 10,000: a config store's entries are small (hundreds of bytes), so this keeps the log (and the
 *     memory holding it) to a few MB and a restart's replay short, while a snapshot (a RocksDB checkpoint, mostly
 *     hard links) every 10,000 writes costs little. Lower bounds the log more tightly but snapshots and sends
 *     snapshots to lagging followers more often; a follower that falls further behind than this needs a snapshot.
 */
public record RaftNodeOptions(String id, String clusterId, Map<String, InetSocketAddress> members, Path dataDir,
                              long tickMillis, int electionTicks, int heartbeatTicks, boolean preVote,
                              boolean checkQuorum, int maxInflightMsgs, long maxInflightBytes, long maxMsgBytes,
                              long maxUncommittedBytes, boolean join, long snapshotEveryEntries,
                              boolean leaseReads, double clockDriftMax) {
    /** Ids end up in file names, logs and the cluster identity file: keep them plain. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Above a second per tick the clock is too coarse for elections; below 1 ms it is busy-waiting. */
    private static final long TICK_MILLIS_MAX = 1000;

    public RaftNodeOptions {
        requireId(id, "id");
        requireId(clusterId, "clusterId");
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("members must name at least this member");
        }
        members.forEach((member, address) -> {
            requireId(member, "members");
            if (address == null) {
                throw new IllegalArgumentException("members: member '" + member + "' has no address");
            }
        });
        members = Map.copyOf(members);
        if (!members.containsKey(id)) {
            throw new IllegalArgumentException("members must contain id '" + id + "' but are " + members.keySet());
        }
        Objects.requireNonNull(dataDir, "dataDir");
        if (tickMillis < 1 || tickMillis > TICK_MILLIS_MAX) {
            throw new IllegalArgumentException("tickMillis must be in [1, " + TICK_MILLIS_MAX + "]: " + tickMillis);
        }
        if (heartbeatTicks < 1) {
            throw new IllegalArgumentException("heartbeatTicks must be >= 1: " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks must exceed heartbeatTicks (" + heartbeatTicks + "): "
                    + electionTicks);
        }
        requirePositive(maxInflightMsgs, "maxInflightMsgs");
        requirePositive(maxInflightBytes, "maxInflightBytes");
        requirePositive(maxMsgBytes, "maxMsgBytes");
        requirePositive(maxUncommittedBytes, "maxUncommittedBytes");
        requirePositive(snapshotEveryEntries, "snapshotEveryEntries");
        if (!(clockDriftMax >= 0 && clockDriftMax < 0.5)) {
            throw new IllegalArgumentException("clockDriftMax must be in [0, 0.5): " + clockDriftMax);
        }
        if (leaseReads && !checkQuorum) {
            throw new IllegalArgumentException("leaseReads requires checkQuorum: the lease is check-quorum's");
        }
    }

    /** Starts from the defaults documented on each field (the core's defaults for the pass-through ones). */
    public static Builder builder(String id, String clusterId, Map<String, InetSocketAddress> members, Path dataDir) {
        return new Builder(id, clusterId, members, dataDir);
    }

    /**
     * The core's configuration for these options, with the bootstrap voters recorded when the data directory was
     * first used (not the members configured now: after the first start the membership comes from the log).
     */
    RaftConfig toRaftConfig(java.util.Set<String> bootstrapVoters) {
        return new RaftConfig(id, bootstrapVoters, electionTicks, heartbeatTicks, preVote, checkQuorum,
                maxInflightMsgs, maxInflightBytes, maxMsgBytes, maxUncommittedBytes, leaseReads);
    }

    /**
     * Parses {@code host:port} (or {@code [ipv6]:port}) without resolving the name now, so a member that is down or
     * not yet in DNS does not stop this one from starting.
     *
     * @throws IllegalArgumentException naming the bad address
     */
    public static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("address must be host:port: '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address port is not a number: '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address port out of range: '" + hostPort + "'");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static void requireId(String value, String field) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match " + ID.pattern() + ": '" + value + "'");
        }
    }

    private static void requirePositive(long value, String field) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be >= 1: " + value);
        }
    }

    /** Mutable builder; not thread-safe. {@link #build()} validates. */
    public static final class Builder {
        private final String id;
        private final String clusterId;
        private final Map<String, InetSocketAddress> members;
        private final Path dataDir;
        private long tickMillis = 10;
        private int electionTicks = 20;
        private int heartbeatTicks = 3;
        private boolean preVote;
        private boolean checkQuorum;
        private int maxInflightMsgs;
        private long maxInflightBytes;
        private long maxMsgBytes;
        private long maxUncommittedBytes;
        private boolean join;
        private long snapshotEveryEntries = 10_000;
        private boolean leaseReads;
        private double clockDriftMax = 0.05;

        private Builder(String id, String clusterId, Map<String, InetSocketAddress> members, Path dataDir) {
            this.id = id;
            this.clusterId = clusterId;
            this.members = members;
            this.dataDir = dataDir;
            RaftConfig core = RaftConfig.defaults(id == null ? "" : id, members == null ? java.util.Set.of()
                    : members.keySet());
            preVote = core.preVote();
            checkQuorum = core.checkQuorum();
            maxInflightMsgs = core.maxInflightMsgs();
            maxInflightBytes = core.maxInflightBytes();
            maxMsgBytes = core.maxMsgBytes();
            maxUncommittedBytes = core.maxUncommittedBytes();
        }

        public Builder tickMillis(long value) { tickMillis = value; return this; }
        public Builder electionTicks(int value) { electionTicks = value; return this; }
        public Builder heartbeatTicks(int value) { heartbeatTicks = value; return this; }
        public Builder preVote(boolean value) { preVote = value; return this; }
        public Builder checkQuorum(boolean value) { checkQuorum = value; return this; }
        public Builder maxInflightMsgs(int value) { maxInflightMsgs = value; return this; }
        public Builder maxInflightBytes(long value) { maxInflightBytes = value; return this; }
        public Builder maxMsgBytes(long value) { maxMsgBytes = value; return this; }
        public Builder maxUncommittedBytes(long value) { maxUncommittedBytes = value; return this; }
        public Builder join(boolean value) { join = value; return this; }
        public Builder snapshotEveryEntries(long value) { snapshotEveryEntries = value; return this; }
        public Builder leaseReads(boolean value) { leaseReads = value; return this; }
        public Builder clockDriftMax(double value) { clockDriftMax = value; return this; }

        public RaftNodeOptions build() {
            return new RaftNodeOptions(id, clusterId, members, dataDir, tickMillis, electionTicks, heartbeatTicks,
                    preVote, checkQuorum, maxInflightMsgs, maxInflightBytes, maxMsgBytes, maxUncommittedBytes, join,
                    snapshotEveryEntries, leaseReads, clockDriftMax);
        }
    }
}
