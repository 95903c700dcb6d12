package io.kvstore.server.config;

import io.kvstore.store.HistoryBounds;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a {@code KvServer} needs to start, validated once here: an invalid value throws
 * {@link IllegalArgumentException} whose message starts with the flag to fix. Immutable and thread-safe. Flags,
 * environment variables and the config file map onto it in {@link ServerCli}; see docs/server.md.
 *
 * @param name this member's name ({@code --name}, default {@code n1}); letters, digits, '.', '_', '-', at most 64
 * @param dataDir directory this member owns ({@code --data-dir}, default {@code ./data}): raft log in
 *     {@code <dataDir>/raft}, the znode tree in {@code <dataDir>/state}
 * @param clientAddress where the kvstore.v1 gRPC services listen ({@code --client-addr}, default
 *     {@code 127.0.0.1:7379}); port 0 picks a free port (for tests). Published to the other members, who forward
 *     requests to it, so it must be reachable from them: do not use a wildcard address in a multi-member cluster
 * @param peerAddress where raft listens for the other members ({@code --peer-addr}, default {@code 127.0.0.1:7380});
 *     must equal this member's entry in {@code cluster}
 * @param cluster every member's name and peer address ({@code --cluster n1=host:port,...}, default
 *     {@code <name>=<peer-addr>}: a single-member cluster); in the order given
 * @param clusterId id shared by all members ({@code --cluster-id}, default {@code kvstore}); a member of another
 *     cluster is refused on connect, and a data directory of another cluster is refused at start
 * @param join ({@code --join}, default false) this member joins an existing cluster: {@code cluster} lists this
 *     member and where (some of) the existing members' raft listens; the member waits, without voting or
 *     campaigning, until an operator adds it as a learner ({@code kvctl member add}), then learns the membership
 *     from the leader. Only the first start of a data directory reads it; afterwards the membership comes from the
 *     log. False: {@code cluster} is the bootstrap membership of a new cluster, identical on every initial member
 * @param snapshotEveryEntries ({@code --snapshot-every-entries}, default 10,000) entries applied between snapshots
 *     of the state; the raft log is compacted to each snapshot, so this bounds the log (docs/raft.md)
 * @param leaseReads ({@code --lease-reads}, default false) serve linearizable reads on the leader from a
 *     check-quorum lease instead of a heartbeat round: faster, but only correct while clock drift stays under 5 %
 *     and the leader is not paused between checking the lease and reading (docs/raft.md, "Lease reads")
 * @param watchHistoryRevisions ({@code --watch-history-revisions}, default 100,000) revisions of watch history kept:
 *     a watch can start or resume that far back (docs/server.md, "Watches")
 * @param watchHistoryAgeSeconds ({@code --watch-history-age-seconds}, default 3,600) history older than this is
 *     trimmed even below the count
 * @param authTokenTtlSeconds ({@code --auth-token-ttl-seconds}, default 300) lifetime of the tokens Auth/Authenticate
 *     issues: a stolen token is useful this long; clients re-authenticate when it ends (docs/security.md)
 * @param tls transport security of the client and peer ports ({@link TlsConfig#NONE}: plaintext)
 * @param limits quota and connection limits ({@link LimitsConfig#DEFAULTS})
 */
public record ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                           Map<String, HostPort> cluster, String clusterId, boolean join, long snapshotEveryEntries,
                           boolean leaseReads, long watchHistoryRevisions, long watchHistoryAgeSeconds,
                           long authTokenTtlSeconds, TlsConfig tls, LimitsConfig limits) {

    /** Default token lifetime (auth): 5 minutes, as short as re-authenticating once per lifetime stays cheap. */
    public static final long AUTH_TOKEN_TTL_SECONDS_DEFAULT = 300;

    /** Default snapshot interval: a few MB of log for a config store's small writes; see RaftNodeOptions. */
    public static final long SNAPSHOT_EVERY_ENTRIES_DEFAULT = 10_000;

    /** Default client port: one above Redis's 6379 family, unused by etcd (2379) and ZooKeeper (2181). */
    public static final int CLIENT_PORT_DEFAULT = 7379;
    /** Default peer (raft) port: the client port plus one, as etcd does with 2379/2380. */
    public static final int PEER_PORT_DEFAULT = 7380;

    /** The raft module's rule for member and cluster ids: they end up in file names and logs. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ServerConfig {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        requireId(name, "--name");
        Objects.requireNonNull(dataDir, "dataDir");
        if (dataDir.toString().isEmpty()) {
            throw new IllegalArgumentException("--data-dir must not be empty");
        }
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(peerAddress, "peerAddress");
        if (peerAddress.port() == 0) {
            throw new IllegalArgumentException("--peer-addr needs a fixed port (the other members dial it): "
                    + peerAddress);
        }
        requireId(clusterId, "--cluster-id");
        if (cluster == null || cluster.isEmpty()) {
            throw new IllegalArgumentException("--cluster must name at least this member");
        }
        cluster.forEach((member, address) -> {
            requireId(member, "--cluster member name");
            if (address.port() == 0) {
                throw new IllegalArgumentException("--cluster: member " + member + " needs a fixed port: " + address);
            }
        });
        HostPort own = cluster.get(name);
        if (own == null) {
            throw new IllegalArgumentException("--cluster must contain this member's --name '" + name + "', but names "
                    + cluster.keySet());
        }
        if (!own.equals(peerAddress)) {
            throw new IllegalArgumentException("--peer-addr " + peerAddress + " differs from " + name
                    + "'s address in --cluster " + own + ": give one of them, or the same address in both");
        }
        cluster = Collections.unmodifiableMap(new LinkedHashMap<>(cluster));
        if (snapshotEveryEntries < 1) {
            throw new IllegalArgumentException("--snapshot-every-entries must be at least 1: " + snapshotEveryEntries);
        }
        if (watchHistoryRevisions < 1) {
            throw new IllegalArgumentException("--watch-history-revisions must be at least 1: "
                    + watchHistoryRevisions);
        }
        if (watchHistoryAgeSeconds < 1) {
            throw new IllegalArgumentException("--watch-history-age-seconds must be at least 1: "
                    + watchHistoryAgeSeconds);
        }
        if (authTokenTtlSeconds < 1 || authTokenTtlSeconds > 86_400) {
            throw new IllegalArgumentException("--auth-token-ttl-seconds must be in [1, 86400]: "
                    + authTokenTtlSeconds);
        }
    }

    /** Plaintext, with the default limits. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId, boolean join, long snapshotEveryEntries,
                        boolean leaseReads, long watchHistoryRevisions, long watchHistoryAgeSeconds,
                        long authTokenTtlSeconds) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join, snapshotEveryEntries, leaseReads,
                watchHistoryRevisions, watchHistoryAgeSeconds, authTokenTtlSeconds, TlsConfig.NONE,
                LimitsConfig.DEFAULTS);
    }

    /** With the default auth token lifetime. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId, boolean join, long snapshotEveryEntries,
                        boolean leaseReads, long watchHistoryRevisions, long watchHistoryAgeSeconds,
                        TlsConfig tls, LimitsConfig limits) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join, snapshotEveryEntries, leaseReads,
                watchHistoryRevisions, watchHistoryAgeSeconds, AUTH_TOKEN_TTL_SECONDS_DEFAULT, tls, limits);
    }

    /** Plaintext, default limits and auth token lifetime. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId, boolean join, long snapshotEveryEntries,
                        boolean leaseReads, long watchHistoryRevisions, long watchHistoryAgeSeconds) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join, snapshotEveryEntries, leaseReads,
                watchHistoryRevisions, watchHistoryAgeSeconds, AUTH_TOKEN_TTL_SECONDS_DEFAULT);
    }

    /** With the default watch history bounds. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId, boolean join, long snapshotEveryEntries,
                        boolean leaseReads) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join, snapshotEveryEntries, leaseReads,
                HistoryBounds.DEFAULT.revisionsMax(), HistoryBounds.DEFAULT.age().toSeconds());
    }

    /** The watch history bounds of the state machine. */
    public HistoryBounds watchHistoryBounds() {
        return new HistoryBounds(watchHistoryRevisions, java.time.Duration.ofSeconds(watchHistoryAgeSeconds));
    }

    /** With the default snapshot interval and no lease reads. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId, boolean join) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join, SNAPSHOT_EVERY_ENTRIES_DEFAULT,
                false);
    }

    /** A member of a new cluster (not joining); see the record's parameters. */
    public ServerConfig(String name, Path dataDir, HostPort clientAddress, HostPort peerAddress,
                        Map<String, HostPort> cluster, String clusterId) {
        this(name, dataDir, clientAddress, peerAddress, cluster, clusterId, false);
    }

    /** The configuration with no flag, variable or file: a single member n1 on 127.0.0.1:7379/7380 in ./data. */
    public static ServerConfig defaults() {
        HostPort peer = new HostPort("127.0.0.1", PEER_PORT_DEFAULT);
        return new ServerConfig("n1", Path.of("data"), new HostPort("127.0.0.1", CLIENT_PORT_DEFAULT), peer,
                Map.of("n1", peer), "kvstore");
    }

    /** This configuration with another client address (the one actually bound when the port was 0). */
    public ServerConfig withClientAddress(HostPort address) {
        return new ServerConfig(name, dataDir, address, peerAddress, cluster, clusterId, join, snapshotEveryEntries,
                leaseReads, watchHistoryRevisions, watchHistoryAgeSeconds, authTokenTtlSeconds, tls, limits);
    }

    /** This configuration with other transport security (tests). */
    public ServerConfig withTls(TlsConfig newTls) {
        return new ServerConfig(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join,
                snapshotEveryEntries, leaseReads, watchHistoryRevisions, watchHistoryAgeSeconds, authTokenTtlSeconds, newTls,
                limits);
    }

    /** This configuration with other limits (tests). */
    public ServerConfig withLimits(LimitsConfig newLimits) {
        return new ServerConfig(name, dataDir, clientAddress, peerAddress, cluster, clusterId, join,
                snapshotEveryEntries, leaseReads, watchHistoryRevisions, watchHistoryAgeSeconds, authTokenTtlSeconds, tls,
                newLimits);
    }

    /**
     * Parses {@code --cluster}: {@code name=host:port} pairs separated by commas; whitespace around them is ignored.
     *
     * @throws IllegalArgumentException naming {@code --cluster} and the bad part
     */
    public static Map<String, HostPort> parseCluster(String text) {
        Map<String, HostPort> members = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            String pair = part.strip();
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("--cluster: expected name=host:port[,name=host:port...], got '"
                        + pair + "' in '" + text + "'");
            }
            String member = pair.substring(0, eq).strip();
            HostPort address = HostPort.parse(pair.substring(eq + 1).strip(), "--cluster member " + member);
            if (members.put(member, address) != null) {
                throw new IllegalArgumentException("--cluster names member '" + member + "' twice");
            }
        }
        return members;
    }

    private static void requireId(String value, String flag) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(flag + " must be 1 to 64 letters, digits, '.', '_' or '-', starting "
                    + "with a letter or digit: '" + value + "'");
        }
    }
}
