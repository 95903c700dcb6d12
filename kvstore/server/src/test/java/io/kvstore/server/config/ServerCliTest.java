package io.kvstore.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precedence (flag > env > file > default), defaults, and the errors an operator sees. */
class ServerCliTest {

    @TempDir
    Path dir;

    @Test
    void noFlagsGiveASingleMemberOnTheDefaultPorts() {
        ServerConfig config = ServerCli.parse(new String[0], Map.of());
        assertEquals(ServerConfig.defaults(), config);
        assertEquals("127.0.0.1:7379", config.clientAddress().toString());
        assertEquals(Map.of("n1", new HostPort("127.0.0.1", 7380)), config.cluster());
        assertEquals(Path.of("data"), config.dataDir());
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path file = write("name: from-file", "data-dir: /file/dir", "cluster-id: file-cluster",
                "client-addr: 10.0.0.3:9000");
        Map<String, String> env = Map.of("KVSERVER_CONFIG", file.toString(), "KVSERVER_NAME", "from-env",
                "KVSERVER_DATA_DIR", "/env/dir");
        ServerConfig config = ServerCli.parse(new String[] {"--data-dir", "/flag/dir"}, env);
        assertEquals(Path.of("/flag/dir"), config.dataDir(), "flag over env and file");
        assertEquals("from-env", config.name(), "env over file");
        assertEquals("file-cluster", config.clusterId(), "file over default");
        assertEquals(new HostPort("10.0.0.3", 9000), config.clientAddress());
        assertEquals(new HostPort("127.0.0.1", 7380), config.peerAddress(), "default");
        assertEquals(Map.of("from-env", new HostPort("127.0.0.1", 7380)), config.cluster());
    }

    @Test
    void snapshotIntervalAndLeaseReadsHaveDefaultsAndAreValidated() {
        ServerConfig defaults = ServerCli.parse(new String[0], Map.of());
        assertEquals(10_000, defaults.snapshotEveryEntries());
        assertEquals(false, defaults.leaseReads());
        ServerConfig set = ServerCli.parse(new String[] {"--snapshot-every-entries", "500", "--lease-reads"},
                Map.of());
        assertEquals(500, set.snapshotEveryEntries());
        assertEquals(true, set.leaseReads());
        assertEquals(77, ServerCli.parse(new String[0], Map.of("KVSERVER_SNAPSHOT_EVERY_ENTRIES", "77"))
                .snapshotEveryEntries());
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--snapshot-every-entries", "0"}, Map.of()))
                .getMessage().contains("--snapshot-every-entries"));
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--lease-reads=maybe"}, Map.of()))
                .getMessage().contains("--lease-reads"));
    }

    @Test
    void watchHistoryBoundsHaveDefaultsAndAreValidated() {
        ServerConfig defaults = ServerCli.parse(new String[0], Map.of());
        assertEquals(io.kvstore.store.HistoryBounds.DEFAULT, defaults.watchHistoryBounds());
        ServerConfig set = ServerCli.parse(new String[] {"--watch-history-revisions", "500",
                "--watch-history-age-seconds", "60"}, Map.of());
        assertEquals(new io.kvstore.store.HistoryBounds(500, java.time.Duration.ofMinutes(1)),
                set.watchHistoryBounds());
        assertEquals(7, ServerCli.parse(new String[0], Map.of("KVSERVER_WATCH_HISTORY_REVISIONS", "7"))
                .watchHistoryRevisions());
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--watch-history-age-seconds", "0"}, Map.of()))
                .getMessage().contains("--watch-history-age-seconds"));
    }

    @Test
    void joinComesFromFlagEnvironmentOrFileAndIsOffByDefault() throws IOException {
        assertEquals(false, ServerCli.parse(new String[0], Map.of()).join());
        assertEquals(true, ServerCli.parse(new String[] {"--join"}, Map.of()).join());
        assertEquals(false, ServerCli.parse(new String[] {"--join=false"}, Map.of("KVSERVER_JOIN", "true")).join());
        assertEquals(true, ServerCli.parse(new String[0], Map.of("KVSERVER_JOIN", "TRUE")).join());
        Path file = write("join: true");
        assertEquals(true, ServerCli.parse(new String[] {"--config", file.toString()}, Map.of()).join());
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(new String[0], Map.of("KVSERVER_JOIN", "yes")));
        assertEquals("--join must be true or false: 'yes'", bad.getMessage());
    }

    @Test
    void configFlagBeatsConfigVariable() throws IOException {
        Path flagged = write("name: flagged");
        Map<String, String> env = Map.of("KVSERVER_CONFIG", dir.resolve("missing.yaml").toString());
        assertEquals("flagged", ServerCli.parse(new String[] {"--config", flagged.toString()}, env).name());
    }

    @Test
    void peerAddressDefaultsToThisMembersClusterEntry() {
        ServerConfig config = ServerCli.parse(new String[] {"--name", "n2", "--cluster",
                "n1=127.0.0.1:7380, n2=127.0.0.1:7382,n3=[::1]:7384"}, Map.of());
        assertEquals(new HostPort("127.0.0.1", 7382), config.peerAddress());
        assertEquals(List.of("n1", "n2", "n3"), List.copyOf(config.cluster().keySet()));
        assertEquals("[::1]:7384", config.cluster().get("n3").toString());
    }

    @Test
    void unknownConfigKeyIsAnErrorNamingFileLineAndKey() throws IOException {
        Path file = write("# comment", "name: n1", "data_dir: /x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--config", file.toString()}, Map.of()));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("unknown key 'data_dir'"),
                e.getMessage());
    }

    @Test
    void configFileAcceptsQuotesAndComments() {
        Map<String, String> values = ConfigFile.parse(List.of("---", "name: \"n 1\"  # quoted",
                "data-dir: /a#b # comment", "", "cluster-id: 'c'"), "test", ServerCli.KEYS);
        assertEquals(Map.of("name", "n 1", "data-dir", "/a#b", "cluster-id", "c"), values);
        assertThrows(IllegalArgumentException.class,
                () -> ConfigFile.parse(List.of("name: a", "name: b"), "test", ServerCli.KEYS));
        assertThrows(IllegalArgumentException.class,
                () -> ConfigFile.parse(List.of("cluster:", "  - n1"), "test", ServerCli.KEYS));
    }

    @Test
    void badClusterSyntaxNamesTheFlag() {
        for (String bad : List.of("n1", "n1=", "=127.0.0.1:1", "n1=127.0.0.1", "n1=127.0.0.1:x",
                "n1=127.0.0.1:1,,n2=127.0.0.1:2", "n1=127.0.0.1:1,n1=127.0.0.1:2")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerCli.parse(new String[] {"--cluster", bad}, Map.of()), bad);
            assertTrue(e.getMessage().startsWith("--cluster"), e.getMessage());
        }
    }

    @Test
    void inconsistentSettingsNameTheFlagToFix() {
        assertMessageStarts("--cluster must contain", "--name", "n9", "--cluster", "n1=127.0.0.1:7380");
        assertMessageStarts("--peer-addr", "--peer-addr", "127.0.0.1:9", "--cluster", "n1=127.0.0.1:7380");
        assertMessageStarts("--name", "--name", "bad name");
        assertMessageStarts("--client-addr", "--client-addr", "nowhere");
        assertMessageStarts("--peer-addr needs a fixed port", "--peer-addr", "127.0.0.1:0");
        assertMessageStarts("Unknown option", "--bogus");
    }

    @Test
    void helpIsUsageWithExamples() {
        ServerCli.HelpRequested help = assertThrows(ServerCli.HelpRequested.class,
                () -> ServerCli.parse(new String[] {"--help"}, Map.of()));
        assertTrue(help.text().contains("--data-dir") && help.text().contains("Examples"), help.text());
    }

    private void assertMessageStarts(String prefix, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(args, Map.of()));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    @Test
    void tlsFilesComeFromFlagsEnvironmentAndFileAndAreCheckedTogether() throws IOException {
        Path cert = Files.writeString(dir.resolve("n1.crt"), "x");
        Path key = Files.writeString(dir.resolve("n1.key"), "x");
        Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
        assertEquals(TlsConfig.NONE, ServerCli.parse(new String[0], Map.of()).tls());
        ServerConfig fromFlags = ServerCli.parse(new String[] {"--client-cert-file", cert.toString(),
                "--client-key-file", key.toString(), "--client-trusted-ca-file", ca.toString(), "--client-cert-auth",
                "--peer-cert-file", cert.toString(), "--peer-key-file", key.toString(),
                "--peer-trusted-ca-file", ca.toString()}, Map.of());
        assertEquals(cert, fromFlags.tls().client().certFile());
        assertTrue(fromFlags.tls().clientCertAuth());
        assertEquals(ca, fromFlags.tls().peer().trustedCaFile());
        ServerConfig fromEnvAndFile = ServerCli.parse(new String[] {"--config",
                write("peer-cert-file: " + cert, "peer-key-file: " + key).toString()},
                Map.of("KVSERVER_PEER_TRUSTED_CA_FILE", ca.toString()));
        assertEquals(key, fromEnvAndFile.tls().peer().keyFile());
        assertEquals(ca, fromEnvAndFile.tls().peer().trustedCaFile());

        assertThrows(IllegalArgumentException.class, () -> ServerCli.parse(
                new String[] {"--peer-cert-file", cert.toString(), "--peer-key-file", key.toString()}, Map.of()),
                "peer TLS without a CA");
        assertThrows(IllegalArgumentException.class, () -> ServerCli.parse(
                new String[] {"--client-cert-file", cert.toString()}, Map.of()), "certificate without key");
        assertThrows(IllegalArgumentException.class, () -> ServerCli.parse(new String[] {"--client-cert-file",
                cert.toString(), "--client-key-file", key.toString(), "--client-cert-auth"}, Map.of()),
                "client cert auth without a CA");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ServerCli.parse(
                new String[] {"--client-cert-file", dir.resolve("nope.crt").toString(), "--client-key-file",
                        key.toString()}, Map.of()));
        assertTrue(missing.getMessage().contains("nope.crt"), missing.getMessage());
    }

    @Test
    void limitsHaveDefaultsAndAreValidated() {
        assertEquals(LimitsConfig.DEFAULTS, ServerCli.parse(new String[0], Map.of()).limits());
        LimitsConfig set = ServerCli.parse(new String[] {"--quota-backend-bytes", "10485760", "--max-connections",
                "7", "--max-concurrent-streams", "9"}, Map.of()).limits();
        assertEquals(new LimitsConfig(10L << 20, 7, 9), set);
        assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--quota-backend-bytes", "1000"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(new String[] {"--max-connections", "0"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ServerCli.parse(new String[0], Map.of("KVSERVER_MAX_CONCURRENT_STREAMS", "lots")));
    }

    private Path write(String... lines) throws IOException {
        Path file = Files.createTempFile(dir, "server", ".yaml");
        Files.write(file, List.of(lines));
        return file;
    }
}
