package io.kvstore.server.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code kvserver} command line. Each setting comes from the first source that has it:
 * <ol>
 *   <li>the flag ({@code --data-dir /srv/kv});</li>
 *   <li>the environment variable {@code KVSERVER_} + the flag name in upper case with '_' for '-'
 *       ({@code KVSERVER_DATA_DIR});</li>
 *   <li>the config file named by {@code --config} or {@code KVSERVER_CONFIG} ({@code data-dir: /srv/kv});</li>
 *   <li>the default.</li>
 * </ol>
 * {@code --peer-addr}, when given by no source, is this member's entry of {@code --cluster} if that is given, else
 * 127.0.0.1:7380; {@code --cluster}, when given by no source, is {@code <name>=<peer-addr>}.
 *
 * <p>Options are left {@code null} when the flag is absent, which is how precedence sees "not given". Not
 * thread-safe: picocli fills one instance per parse.
 */
@Command(name = "kvserver", mixinStandardHelpOptions = true, version = "kvserver 0.1.0",
        sortOptions = false, usageHelpWidth = 110,
        description = {
            "Runs one member of a kvstore cluster: the raft log and the znode tree in --data-dir, the kvstore.v1 "
                + "gRPC API (plus grpc.health.v1 and server reflection) on --client-addr, raft on --peer-addr.",
            "",
            "Each setting comes from, in order: the flag, the environment variable KVSERVER_<FLAG> (e.g. "
                + "KVSERVER_DATA_DIR), the --config file (key: value lines, e.g. 'data-dir: /var/lib/kvstore'), "
                + "the default.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  Single member, all defaults (127.0.0.1:7379 for clients, 127.0.0.1:7380 for raft, ./data):",
            "    kvserver",
            "",
            "  Three members on one machine (run each in its own terminal):",
            "    kvserver --name n1 --data-dir /tmp/kv1 --client-addr 127.0.0.1:7379 \\",
            "             --cluster n1=127.0.0.1:7380,n2=127.0.0.1:7382,n3=127.0.0.1:7384",
            "    kvserver --name n2 --data-dir /tmp/kv2 --client-addr 127.0.0.1:7381 \\",
            "             --cluster n1=127.0.0.1:7380,n2=127.0.0.1:7382,n3=127.0.0.1:7384",
            "    kvserver --name n3 --data-dir /tmp/kv3 --client-addr 127.0.0.1:7383 \\",
            "             --cluster n1=127.0.0.1:7380,n2=127.0.0.1:7382,n3=127.0.0.1:7384",
            "",
            "  Grow that cluster: start n4 with --join, then add it as a learner and promote it once caught up:",
            "    kvserver --name n4 --data-dir /tmp/kv4 --client-addr 127.0.0.1:7385 --join \\",
            "             --cluster n1=127.0.0.1:7380,n2=127.0.0.1:7382,n3=127.0.0.1:7384,n4=127.0.0.1:7386",
            "    kvctl member add n4 127.0.0.1:7386 && kvctl member list && kvctl member promote n4",
            "",
            "  With TLS for clients (certificates required) and mutual TLS between members (docs/security.md;",
            "  bin/kvstore-certs makes test certificates):",
            "    kvserver --name n1 ... --client-cert-file n1.crt --client-key-file n1.key \\",
            "             --client-trusted-ca-file ca.crt --client-cert-auth \\",
            "             --peer-cert-file n1.crt --peer-key-file n1.key --peer-trusted-ca-file ca.crt",
            "",
            "  From a config file, overriding one setting by environment:",
            "    KVSERVER_NAME=n2 kvserver --config /etc/kvstore/server.yaml",
            "",
            "Exit codes: 0 after a clean shutdown (SIGTERM, Ctrl-C), 1 when the server fails to start or stops on a "
                + "fatal error, 2 for a configuration error."})
public final class ServerCli {

    /** The settings a config file may hold: the flag names without dashes. */
    public static final Set<String> KEYS =
            Set.of("name", "data-dir", "client-addr", "peer-addr", "cluster", "cluster-id", "join",
                    "snapshot-every-entries", "lease-reads", "watch-history-revisions", "watch-history-age-seconds",
                    "auth-token-ttl-seconds",
                    // transport security and limits (docs/security.md)
                    "client-cert-file", "client-key-file", "client-trusted-ca-file", "client-cert-auth",
                    "peer-cert-file", "peer-key-file", "peer-trusted-ca-file",
                    "quota-backend-bytes", "max-connections", "max-concurrent-streams");
    /** Prefix of the environment variables. */
    public static final String ENV_PREFIX = "KVSERVER_";

    @Option(names = "--name", paramLabel = "NAME", description = "This member's name. Default: n1.")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory this member owns: raft log in DIR/raft, znode tree in DIR/state. Default: ./data.")
    String dataDir;

    @Option(names = "--client-addr", paramLabel = "HOST:PORT",
            description = "Where clients connect (gRPC). Must be reachable by the other members, which forward to "
                    + "the leader's. Default: 127.0.0.1:7379.")
    String clientAddr;

    @Option(names = "--peer-addr", paramLabel = "HOST:PORT",
            description = "Where raft listens for the other members; must match this member's --cluster entry. "
                    + "Default: this member's --cluster entry, else 127.0.0.1:7380.")
    String peerAddr;

    @Option(names = "--cluster", paramLabel = "NAME=HOST:PORT,...",
            description = "Every member's name and peer address, identical on all members. "
                    + "Default: <name>=<peer-addr> (a single-member cluster).")
    String cluster;

    @Option(names = "--cluster-id", paramLabel = "ID",
            description = "Id shared by the members of one cluster. Default: kvstore.")
    String clusterId;

    @Option(names = "--join", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Join an existing cluster instead of bootstrapping one: --cluster lists this member and "
                    + "the existing members' peer addresses; then run 'kvctl member add' for it. Read at the first "
                    + "start only. Default: false.")
    String join;

    @Option(names = "--snapshot-every-entries", paramLabel = "N",
            description = "Entries applied between snapshots; the raft log is compacted to each (default 10000).")
    String snapshotEveryEntries;

    @Option(names = "--lease-reads", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Serve linearizable reads on the leader from a check-quorum lease (default false; "
                    + "see docs/raft.md for what breaks them).")
    String leaseReads;

    @Option(names = "--watch-history-revisions", paramLabel = "N",
            description = "Revisions of watch history kept; watches can start or resume that far back "
                    + "(default 100000).")
    String watchHistoryRevisions;

    @Option(names = "--watch-history-age-seconds", paramLabel = "SECONDS",
            description = "Watch history older than this is trimmed (default 3600).")
    String watchHistoryAgeSeconds;

    @Option(names = "--auth-token-ttl-seconds", paramLabel = "SECONDS",
            description = "Lifetime of auth tokens from Auth/Authenticate (default 300).")
    String authTokenTtlSeconds;
    // --- transport security (docs/security.md, "TLS") ---

    @Option(names = "--client-cert-file", paramLabel = "FILE",
            description = "PEM certificate (chain) served on --client-addr; turns on TLS for clients. Also presented "
                    + "when this member forwards to the leader, so it needs serverAuth and clientAuth key usage. "
                    + "Re-read when the file changes.")
    String clientCertFile;

    @Option(names = "--client-key-file", paramLabel = "FILE",
            description = "PEM PKCS#8 private key of --client-cert-file.")
    String clientKeyFile;

    @Option(names = "--client-trusted-ca-file", paramLabel = "FILE",
            description = "PEM CA bundle client certificates must chain to; a presented certificate's common name "
                    + "becomes the client's identity.")
    String clientTrustedCaFile;

    @Option(names = "--client-cert-auth", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Require every client to present a certificate of --client-trusted-ca-file "
                    + "(default false).")
    String clientCertAuth;

    @Option(names = "--peer-cert-file", paramLabel = "FILE",
            description = "PEM certificate for raft and snapshot traffic; turns on mutual TLS between members "
                    + "(every member must use it). Re-read when the file changes.")
    String peerCertFile;

    @Option(names = "--peer-key-file", paramLabel = "FILE", description = "PEM PKCS#8 private key of --peer-cert-file.")
    String peerKeyFile;

    @Option(names = "--peer-trusted-ca-file", paramLabel = "FILE",
            description = "PEM CA bundle other members' certificates must chain to (required with --peer-cert-file).")
    String peerTrustedCaFile;

    // --- limits (docs/security.md, "Limits and quotas") ---

    @Option(names = "--quota-backend-bytes", paramLabel = "BYTES",
            description = "Size of the znode tree beyond which writes that add data fail with NO_SPACE; deletes "
                    + "and reads still work (default 2147483648 = 2 GiB).")
    String quotaBackendBytes;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Client connections open at once; more are closed on accept (default 1024).")
    String maxConnections;

    @Option(names = "--max-concurrent-streams", paramLabel = "N",
            description = "Calls in flight per client connection (default 1000).")
    String maxConcurrentStreams;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Flat YAML file of 'key: value' lines with the flag names as keys (no dashes).")
    String configFile;

    /**
     * Parses {@code args} and resolves every setting against {@code env} and the config file.
     *
     * @return the validated configuration
     * @throws IllegalArgumentException for a bad flag, variable, file entry or combination; the message names it
     * @throws HelpRequested when the usage or version text was asked for (the caller prints it)
     */
    public static ServerConfig parse(String[] args, Map<String, String> env) {
        ServerCli cli = new ServerCli();
        CommandLine commandLine = new CommandLine(cli);
        try {
            commandLine.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (commandLine.isUsageHelpRequested()) {
            throw new HelpRequested(commandLine.getUsageMessage());
        }
        if (commandLine.isVersionHelpRequested()) {
            throw new HelpRequested(String.join(System.lineSeparator(), commandLine.getCommandSpec().version())
                    + System.lineSeparator());
        }
        return cli.resolve(env);
    }

    /** The usage text, as {@code --help} prints it. */
    public static String usage() {
        return new CommandLine(new ServerCli()).getUsageMessage();
    }

    private ServerConfig resolve(Map<String, String> env) {
        String file = configFile != null ? configFile : nonEmpty(env.get(ENV_PREFIX + "CONFIG"));
        Map<String, String> fromFile = file == null ? Map.of() : ConfigFile.read(Path.of(file), KEYS);
        Sources sources = new Sources(env, fromFile);
        String memberName = sources.pick(name, "name", "n1");
        String clusterText = sources.pick(cluster, "cluster", null);
        Map<String, HostPort> members = clusterText == null ? null : ServerConfig.parseCluster(clusterText);
        String peerText = sources.pick(peerAddr, "peer-addr", null);
        HostPort peer;
        if (peerText != null) {
            peer = HostPort.parse(peerText, "--peer-addr");
        } else if (members != null && members.containsKey(memberName)) {
            peer = members.get(memberName);
        } else {
            peer = new HostPort("127.0.0.1", ServerConfig.PEER_PORT_DEFAULT);
        }
        if (members == null) {
            members = new LinkedHashMap<>();
            members.put(memberName, peer);
        }
        HostPort client = HostPort.parse(sources.pick(clientAddr, "client-addr",
                "127.0.0.1:" + ServerConfig.CLIENT_PORT_DEFAULT), "--client-addr");
        return new ServerConfig(memberName, Path.of(sources.pick(dataDir, "data-dir", "data")), client, peer, members,
                sources.pick(clusterId, "cluster-id", "kvstore"),
                parseBoolean(sources.pick(join, "join", "false"), "--join"),
                parseLong(sources.pick(snapshotEveryEntries, "snapshot-every-entries",
                        Long.toString(ServerConfig.SNAPSHOT_EVERY_ENTRIES_DEFAULT)), "--snapshot-every-entries"),
                parseBoolean(sources.pick(leaseReads, "lease-reads", "false"), "--lease-reads"),
                parseLong(sources.pick(watchHistoryRevisions, "watch-history-revisions",
                        Long.toString(io.kvstore.store.HistoryBounds.DEFAULT.revisionsMax())),
                        "--watch-history-revisions"),
                parseLong(sources.pick(watchHistoryAgeSeconds, "watch-history-age-seconds",
                        Long.toString(io.kvstore.store.HistoryBounds.DEFAULT.age().toSeconds())),
                        "--watch-history-age-seconds"),
                parseLong(sources.pick(authTokenTtlSeconds, "auth-token-ttl-seconds",
                        Long.toString(ServerConfig.AUTH_TOKEN_TTL_SECONDS_DEFAULT)), "--auth-token-ttl-seconds"),
                resolveTls(sources), resolveLimits(sources));
    }

    private TlsConfig resolveTls(Sources sources) {
        io.kvstore.raft.transport.tls.TlsFiles client = tlsFiles(sources, "client", clientCertFile, clientKeyFile,
                clientTrustedCaFile);
        io.kvstore.raft.transport.tls.TlsFiles peer = tlsFiles(sources, "peer", peerCertFile, peerKeyFile,
                peerTrustedCaFile);
        return new TlsConfig(client, parseBoolean(sources.pick(clientCertAuth, "client-cert-auth", "false"),
                "--client-cert-auth"), peer);
    }

    /** Null when neither file is given; both or neither, and a CA only with them. */
    private static io.kvstore.raft.transport.tls.TlsFiles tlsFiles(Sources sources, String side, String certFlag,
                                                                   String keyFlag, String caFlag) {
        String cert = sources.pick(certFlag, side + "-cert-file", null);
        String key = sources.pick(keyFlag, side + "-key-file", null);
        String ca = sources.pick(caFlag, side + "-trusted-ca-file", null);
        if (cert == null && key == null) {
            if (ca != null) {
                throw new IllegalArgumentException("--" + side + "-trusted-ca-file needs --" + side + "-cert-file and --"
                        + side + "-key-file");
            }
            return null;
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException("--" + side + "-cert-file and --" + side
                    + "-key-file must be given together");
        }
        try {
            return new io.kvstore.raft.transport.tls.TlsFiles(Path.of(cert), Path.of(key),
                    ca == null ? null : Path.of(ca));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + side + "-*-file: " + e.getMessage(), e);
        }
    }

    private LimitsConfig resolveLimits(Sources sources) {
        return new LimitsConfig(
                parseLong(sources.pick(quotaBackendBytes, "quota-backend-bytes",
                        Long.toString(LimitsConfig.QUOTA_BACKEND_BYTES_DEFAULT)), "--quota-backend-bytes"),
                parseInt(sources.pick(maxConnections, "max-connections",
                        Integer.toString(LimitsConfig.MAX_CONNECTIONS_DEFAULT)), "--max-connections"),
                parseInt(sources.pick(maxConcurrentStreams, "max-concurrent-streams",
                        Integer.toString(LimitsConfig.MAX_CONCURRENT_STREAMS_DEFAULT)), "--max-concurrent-streams"));
    }

    private static int parseInt(String text, String flag) {
        long value = parseLong(text, flag);
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(flag + " is too large: '" + text + "'");
        }
        return (int) value;
    }

    private static long parseLong(String text, String flag) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number: '" + text + "'");
        }
    }

    /** true/false (any case); anything else is an error naming the flag, so "ture" never means false. */
    private static boolean parseBoolean(String text, String flag) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        if (value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException(flag + " must be true or false: '" + text + "'");
    }

    private static String nonEmpty(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** Flag, then environment, then file, then default. */
    private record Sources(Map<String, String> env, Map<String, String> file) {
        String pick(String flagValue, String key, String defaultValue) {
            if (flagValue != null) {
                return flagValue;
            }
            String fromEnv = nonEmpty(env.get(ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_')));
            if (fromEnv != null) {
                return fromEnv;
            }
            return file.getOrDefault(key, defaultValue);
        }
    }

    /** Thrown by {@link #parse} when {@code --help} or {@code --version} was given; carries the text to print. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested(String text) {
            super(text, null, false, false);
        }

        /** The usage or version text. */
        public String text() {
            return getMessage();
        }
    }
}
