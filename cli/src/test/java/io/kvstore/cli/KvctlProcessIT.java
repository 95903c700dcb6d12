package io.kvstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kvctl command run as the real {@code bin/kvctl} against a real three-member cluster of {@code bin/kvserver}
 * processes (one cluster for the whole class, to stay fast), checking exit codes, stdout and stderr, including the
 * error paths: unreachable endpoint, bad path, precondition failure, not found, Ctrl-C during watch and --hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvctlProcessIT {
    /** Static: JUnit fills a per-class instance's @TempDir field only after @BeforeAll. */
    @TempDir
    static Path dir;
    private RealProcesses processes;
    private Map<String, String> env;
    private String endpoints;
    private String cluster;

    @BeforeAll
    void startCluster() {
        processes = new RealProcesses();
        int[] client = {RealProcesses.freePort(), RealProcesses.freePort(), RealProcesses.freePort()};
        int[] peer = {RealProcesses.freePort(), RealProcesses.freePort(), RealProcesses.freePort()};
        cluster = "n1=127.0.0.1:" + peer[0] + ",n2=127.0.0.1:" + peer[1] + ",n3=127.0.0.1:" + peer[2];
        for (int i = 0; i < 3; i++) {
            processes.kvserver(dir, "n" + (i + 1), dir.resolve("n" + (i + 1)), client[i], peer[i], cluster);
        }
        endpoints = "127.0.0.1:" + client[0] + ",127.0.0.1:" + client[1] + ",127.0.0.1:" + client[2];
        env = Map.of("KVCTL_ENDPOINTS", endpoints);
        RealProcesses.await(() -> kvctl("status").code() == 0, Duration.ofSeconds(30),
                () -> "no leader: " + kvctl("status"));
    }

    @AfterAll
    void stopCluster() {
        processes.close();
    }

    private RealProcesses.Result kvctl(String... args) {
        return processes.kvctl(env, null, args);
    }

    private RealProcesses.Result ok(String... args) {
        RealProcesses.Result r = kvctl(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r);
        return r;
    }

    private static void assertExit(int code, RealProcesses.Result r, String stderrContains) {
        assertEquals(code, r.code(), r::toString);
        assertTrue(r.err().contains(stderrContains), () -> "stderr lacks '" + stderrContains + "': " + r);
    }

    @Test
    void dataCommandsAndTheirExitCodes() {
        assertEquals("/it/data/a\n", ok("create", "--parents", "/it/data/a", "one").out());
        assertExit(4, kvctl("create", "/it/data/a", "again"), "already exists: /it/data/a");
        assertEquals("one", ok("get", "/it/data/a").out());
        ok("put", "/it/data/a", "two");
        assertExit(4, kvctl("put", "--if-version", "1", "/it/data/a", "three"), "version mismatch");
        assertExit(3, kvctl("get", "/it/data/missing"), "not found: /it/data/missing");
        assertExit(2, kvctl("get", "no-slash"), "invalid argument");
        assertExit(2, kvctl("get"), "Missing required parameter");
        RealProcesses.Result stdin = processes.kvctl(env, "from stdin", "put", "/it/data/b", "-");
        assertEquals(0, stdin.code(), stdin::toString);
        assertEquals("from stdin", ok("get", "/it/data/b").out());
        Map<?, ?> json = (Map<?, ?>) DocumentReader.read(ok("get", "-o", "json", "/it/data/a").out());
        assertEquals("two", json.get("value"));
        assertEquals(2L, ((Map<?, ?>) json.get("stat")).get("version"));
        String seq = ok("create", "--sequential", "/it/data/job-", "x").out().strip();
        assertTrue(seq.matches("/it/data/job-\\d{19}"), seq);
        ok("create", "--ttl", "1h", "/it/data/ttl", "t");
        String long1 = ok("ls", "-l", "/it/data").out();
        assertTrue(long1.contains("VERSION") && long1.lines().anyMatch(l -> l.matches("\\s+2\\s+3\\s+0\\s+a")), long1);
        assertEquals("a\nb\n" + seq.substring("/it/data/".length()) + "\nttl\n", ok("ls", "/it/data").out());
        ok("txn", "--help");
        RealProcesses.Result txn = processes.kvctl(env, "compare version /it/data/a = 2\nsuccess put /it/data/c three\n",
                "txn");
        assertEquals(0, txn.code(), txn::toString);
        assertEquals("three", ok("get", "/it/data/c").out());
        assertExit(4, kvctl("rm", "/it/data"), "has children");
        ok("rm", "-r", "/it/data");
        assertExit(3, kvctl("ls", "/it/data"), "not found");
    }

    @Test
    void unreachableEndpointExits5() {
        int nobody = RealProcesses.freePort();
        RealProcesses.Result r = processes.kvctl(Map.of(), null, "get", "--endpoints", "127.0.0.1:" + nobody,
                "--timeout", "1s", "/x");
        assertExit(5, r, "unavailable");
        RealProcesses.Result status = processes.kvctl(Map.of(), null, "status", "--endpoints",
                endpoints + ",127.0.0.1:" + nobody, "--timeout", "2s");
        assertEquals(5, status.code(), status::toString);
        assertTrue(status.out().contains("unreachable"), status::toString);
    }

    @Test
    void watchPrintsEventsAndEndsOnCtrlC() {
        Process watch = processes.startKvctl(env, "watch", "-r", "/it/watch");
        // The watch is registered once an event shows up; keep writing until the first one does.
        RealProcesses.await(() -> {
            kvctl("put", "--parents", "/it/watch/probe", "p");
            return processes.output(watch).contains("/it/watch/probe");
        }, Duration.ofSeconds(30), () -> "watch printed nothing: " + processes.errors(watch));
        ok("put", "/it/watch/k", "hello\nworld");
        ok("rm", "/it/watch/k");
        RealProcesses.await(() -> processes.output(watch).contains("DELETED /it/watch/k"), Duration.ofSeconds(20),
                () -> processes.output(watch));
        int expected = processes.interrupt(watch);
        RealProcesses.Result r = processes.finish(watch);
        assertEquals(expected, r.code(), r::toString);
        List<String> lines = r.out().lines().filter(l -> l.contains("/it/watch/k")).toList();
        assertEquals(2, lines.size(), r::toString);
        assertTrue(lines.get(0).matches("\\d+ CREATED /it/watch/k hello\\\\nworld"), lines.get(0));
        assertTrue(lines.get(1).matches("\\d+ DELETED /it/watch/k"), lines.get(1));
        // Replay from a revision: the history has the CREATED event again.
        long rev = Long.parseLong(lines.get(0).split(" ")[0]);
        Process replay = processes.startKvctl(env, "watch", "-o", "json", "--from-rev", Long.toString(rev),
                "/it/watch/k");
        RealProcesses.await(() -> processes.output(replay).contains("DELETED"), Duration.ofSeconds(20),
                () -> processes.output(replay) + processes.errors(replay));
        processes.interrupt(replay);
        Map<?, ?> first = (Map<?, ?>) DocumentReader.read(processes.finish(replay).out().lines().findFirst()
                .orElseThrow());
        assertEquals("CREATED", first.get("type"));
        assertEquals("hello\nworld", first.get("value"));
    }

    @Test
    void ephemeralHoldRegistersUntilCtrlC() {
        ok("put", "--parents", "/it/services", "");
        Process hold = processes.startKvctl(env, "create", "--ephemeral", "--hold", "--session-ttl", "30s",
                "/it/services/web-1", "10.0.0.5:8080");
        RealProcesses.await(() -> processes.output(hold).contains("/it/services/web-1"), Duration.ofSeconds(30),
                () -> processes.errors(hold));
        assertTrue(processes.errors(hold).contains("holding /it/services/web-1"), processes.errors(hold));
        assertEquals("10.0.0.5:8080", ok("get", "/it/services/web-1").out());
        Map<?, ?> json = (Map<?, ?>) DocumentReader.read(ok("get", "-o", "json", "/it/services/web-1").out());
        assertFalse(((Map<?, ?>) json.get("stat")).get("ephemeralSessionId").equals(0L), json.toString());
        int expected = processes.interrupt(hold);
        RealProcesses.Result r = processes.finish(hold);
        assertEquals(expected, r.code(), r::toString);
        assertTrue(r.err().contains("session closed"), r::toString);
        // Deleted when the session closed, not a 30 s TTL later.
        assertExit(3, kvctl("get", "/it/services/web-1"), "not found");
        assertExit(2, kvctl("create", "--hold", "/it/services/x", "v"), "--hold keeps a session");
        assertExit(2, kvctl("create", "--ephemeral", "/it/services/x", "v"), "--ephemeral needs --hold");
    }

    @Test
    void exportImportRoundTripIsIdempotentAndPrunes() throws IOException {
        ok("put", "--parents", "/it/cfg/db/url", "jdbc:postgresql://db/app");
        ok("put", "/it/cfg/db/pool", "16");
        Path bin = dir.resolve("bin.dat");
        Files.write(bin, new byte[] {0, (byte) 0xff, 1});
        ok("put", "--file", bin.toString(), "/it/cfg/blob");
        for (String format : List.of("json", "yaml")) {
            Path file = dir.resolve("cfg." + format);
            Files.writeString(file, ok("export", "-o", format, "/it/cfg").out());
            String target = "/it/copy-" + format;
            String first = ok("import", "-o", "json", "--to", target, file.toString()).out();
            Map<?, ?> summary = (Map<?, ?>) DocumentReader.read(first);
            assertEquals(5L, summary.get("created"), first);
            Map<?, ?> again = (Map<?, ?>) DocumentReader.read(ok("import", "-o", "json", "--to", target,
                    file.toString()).out());
            assertEquals(0L, again.get("created"));
            assertEquals(5L, again.get("unchanged"));
            assertEquals("jdbc:postgresql://db/app", ok("get", target + "/db/url").out());
            Map<?, ?> url = (Map<?, ?>) DocumentReader.read(ok("get", "-o", "json", target + "/db/url").out());
            assertEquals(1L, ((Map<?, ?>) url.get("stat")).get("version"), "a second import must not write");
            RealProcesses.Result blob = ok("get", "-o", "json", target + "/blob");
            assertTrue(blob.out().contains("\"valueEncoding\":\"base64\"") && blob.out().contains("AP8B"),
                    blob::toString);
        }
        ok("put", "/it/copy-json/extra", "x");
        Map<?, ?> kept = (Map<?, ?>) DocumentReader.read(ok("import", "-o", "json", "--to", "/it/copy-json",
                dir.resolve("cfg.json").toString()).out());
        assertEquals(0L, kept.get("deleted"));
        Map<?, ?> pruned = (Map<?, ?>) DocumentReader.read(ok("import", "-o", "json", "--prune", "--to",
                "/it/copy-json", dir.resolve("cfg.json").toString()).out());
        assertEquals(1L, pruned.get("deleted"));
        ok("put", "/it/copy-json/db/pool", "32");
        Map<?, ?> dry = (Map<?, ?>) DocumentReader.read(ok("import", "-o", "json", "--dry-run", "--to",
                "/it/copy-json", dir.resolve("cfg.json").toString()).out());
        assertEquals(1L, dry.get("updated"));
        assertEquals("32", ok("get", "/it/copy-json/db/pool").out(), "--dry-run writes nothing");
        assertExit(3, kvctl("get", "/it/copy-json/extra"), "not found");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "format: kvctl-export/1\nroot: /it\nznodes:\n  - path: /absolute\n");
        assertExit(2, kvctl("import", bad.toString()), "must be relative");
    }

    @Test
    void statusVersionAndMembers() {
        List<?> status = (List<?>) DocumentReader.read(ok("status", "-o", "json").out());
        assertEquals(3, status.size());
        long leaders = status.stream().map(s -> (Map<?, ?>) s).filter(s -> "LEADER".equals(s.get("role"))).count();
        assertEquals(1, leaders, status.toString());
        for (Object o : status) {
            Map<?, ?> s = (Map<?, ?>) o;
            assertEquals("ok", s.get("health"));
            assertTrue((Long) s.get("dbSizeBytes") > 0, s.toString());
            assertTrue((Long) s.get("appliedIndex") > 0 && (Long) s.get("term") > 0, s.toString());
            assertEquals(s.get("version"), ((Map<?, ?>) ((List<?>) DocumentReader.read(
                    ok("version", "-o", "json", "--client-only").out())).get(0)).get("version"));
        }
        String table = ok("status").out();
        assertTrue(table.startsWith("ENDPOINT") && table.contains("DB_SIZE_BYTES"), table);
        String version = ok("version").out();
        assertEquals(5, version.lines().count(), version); // header, kvctl, three members
        String members = ok("member", "list").out();
        assertTrue(members.contains("n1") && members.contains("n3") && members.contains("*"), members);
        assertExit(3, kvctl("member", "remove", "n9"), "not found");
        RealProcesses.Result moved = ok("leader", "transfer");
        assertFalse(moved.out().isBlank(), moved::toString);

        // Grow by a learner, promote it, list as json, remove it again.
        int client = RealProcesses.freePort();
        int peer = RealProcesses.freePort();
        processes.kvserver(dir, "n4", dir.resolve("n4"), client, peer, cluster + ",n4=127.0.0.1:" + peer, "--join");
        assertTrue(ok("member", "add", "n4", "127.0.0.1:" + peer).out().contains("learner"));
        RealProcesses.await(() -> kvctl("member", "promote", "n4").code() == 0, Duration.ofSeconds(30),
                () -> kvctl("member", "promote", "n4").toString());
        List<?> list = (List<?>) DocumentReader.read(ok("member", "list", "-o", "json").out());
        assertTrue(list.stream().map(m -> (Map<?, ?>) m).anyMatch(m -> m.get("name").equals("n4")
                && m.get("role").equals("voter")), list.toString());
        assertFalse(ok("member", "remove", "n4").out().contains("n4"));
    }

    @Test
    void lockRunsTheCommandWithItsTokenAndExitsWithItsCode() {
        RealProcesses.Result first = ok("lock", "it-lock", "--", "sh", "-c", "echo token=$KVSTORE_FENCING_TOKEN");
        List<String> lines = first.out().lines().toList();
        assertEquals(2, lines.size(), first::toString);
        assertTrue(lines.get(0).matches("it-lock \\d+"), first::toString);
        long token = Long.parseLong(lines.get(0).split(" ")[1]);
        assertEquals("token=" + token, lines.get(1), "the command sees the printed token");
        RealProcesses.Result failing = kvctl("lock", "it-lock", "--", "sh", "-c", "echo $KVSTORE_FENCING_TOKEN; exit 7");
        assertEquals(7, failing.code(), failing::toString);
        long second = Long.parseLong(failing.out().lines().toList().get(1));
        assertTrue(second > token, "a later holder gets a larger token: " + failing);

        // Held by a process without a command: another kvctl waits, gives up after --wait with 5.
        Process holder = processes.startKvctl(env, "lock", "it-lock");
        RealProcesses.await(() -> processes.output(holder).startsWith("it-lock "), Duration.ofSeconds(30),
                () -> processes.errors(holder));
        assertExit(5, kvctl("lock", "--wait", "1s", "it-lock", "--", "true"), "not acquired within");
        int expected = processes.interrupt(holder);
        assertEquals(expected, processes.finish(holder).code());
        // Released on Ctrl-C: the next one gets it at once.
        assertEquals("", ok("lock", "--wait", "10s", "it-lock", "--", "true").err());
    }

    @Test
    void electHandsLeadershipOverWhenTheLeaderIsInterrupted() {
        assertExit(2, kvctl("elect", "it-elect"), "VALUE is required");
        Process a = processes.startKvctl(env, "elect", "it-elect", "host-a");
        RealProcesses.await(() -> processes.output(a).startsWith("leader it-elect host-a "), Duration.ofSeconds(30),
                () -> processes.errors(a));
        long tokenA = Long.parseLong(processes.output(a).strip().split(" ")[3]);
        Process observer = processes.startKvctl(env, "elect", "--observe", "it-elect");
        RealProcesses.await(() -> processes.output(observer).equals("host-a " + tokenA + "\n"),
                Duration.ofSeconds(30), () -> processes.output(observer) + processes.errors(observer));
        Process b = processes.startKvctl(env, "elect", "it-elect", "host-b");
        assertEquals("", processes.output(b), "not leader while host-a is");

        int expected = processes.interrupt(a);
        RealProcesses.Result endedA = processes.finish(a);
        assertEquals(expected, endedA.code(), endedA::toString);
        RealProcesses.await(() -> processes.output(b).startsWith("leader it-elect host-b "), Duration.ofSeconds(30),
                () -> processes.output(b) + processes.errors(b));
        long tokenB = Long.parseLong(processes.output(b).strip().split(" ")[3]);
        assertTrue(tokenB > tokenA, tokenA + " then " + tokenB);
        RealProcesses.await(() -> processes.output(observer).contains("host-b " + tokenB + "\n"),
                Duration.ofSeconds(30), () -> processes.output(observer) + processes.errors(observer));

        int expectedB = processes.interrupt(b);
        assertEquals(expectedB, processes.finish(b).code());
        int expectedObserver = processes.interrupt(observer);
        RealProcesses.Result observed = processes.finish(observer);
        assertEquals(expectedObserver, observed.code(), observed::toString);
        assertEquals(List.of("host-a " + tokenA, "host-b " + tokenB), observed.out().lines().limit(2).toList());
    }

    /** On a single-member cluster of its own: auth enabled on the shared one would deny the other tests. */
    @Test
    void usersRolesAndAuth() {
        int client = RealProcesses.freePort();
        int peer = RealProcesses.freePort();
        processes.kvserver(dir, "a1", dir.resolve("a1"), client, peer, "a1=127.0.0.1:" + peer);
        Map<String, String> single = Map.of("KVCTL_ENDPOINTS", "127.0.0.1:" + client);
        RealProcesses.await(() -> processes.kvctl(single, null, "status").code() == 0, Duration.ofSeconds(30),
                () -> processes.kvctl(single, null, "status").toString());
        java.util.function.BiFunction<String, String[], RealProcesses.Result> run = (stdin, args) ->
                processes.kvctl(single, stdin, args);
        java.util.function.BiConsumer<String, String[]> expect = (out, args) -> {
            RealProcesses.Result r = run.apply(null, args);
            assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r);
            assertEquals(out, r.out(), () -> String.join(" ", args) + ": " + r);
        };
        assertTrue(run.apply(null, new String[] {"auth", "status"}).out().startsWith("disabled"));
        assertExit(4, run.apply(null, new String[] {"auth", "enable"}), "root");
        RealProcesses.Result root = run.apply("root-pw\n", new String[] {"user", "add", "root"});
        assertEquals("user root added\n", root.out(), root::toString);
        expect.accept("user alice added\n", new String[] {"user", "add", "alice", "--password", "alice-pw"});
        expect.accept("role app added\n", new String[] {"role", "add", "app"});
        expect.accept("role app: write on /app/\n", new String[] {"role", "grant", "app", "write", "/app/"});
        assertExit(2, run.apply(null, new String[] {"role", "grant", "app", "sudo", "/"}), "read, write or admin");
        expect.accept("role app granted to user alice\n", new String[] {"user", "grant-role", "alice", "app"});
        expect.accept("auth enabled\n", new String[] {"auth", "enable"});

        assertExit(6, run.apply(null, new String[] {"get", "/app"}), "kvctl: denied: ");
        expect.accept("", new String[] {"put", "--parents", "/app/x", "v", "--user", "alice:alice-pw"});
        assertExit(6, run.apply(null, new String[] {"put", "/other", "v", "--user", "alice:alice-pw"}),
                "kvctl: denied: ");
        assertExit(6, run.apply(null, new String[] {"get", "/app/x", "--user", "alice:wrong"}), "kvctl: denied: ");
        RealProcesses.Result fromEnv = processes.kvctl(Map.of("KVCTL_ENDPOINTS", "127.0.0.1:" + client,
                "KVCTL_USER", "alice", "KVCTL_PASSWORD", "alice-pw"), null, "get", "/app/x");
        assertEquals("v", fromEnv.out(), fromEnv::toString);
        expect.accept("write /app/\n", new String[] {"role", "get", "app", "--user", "root:root-pw"});
        expect.accept("alice\nroot\n", new String[] {"user", "list", "--user", "root:root-pw"});
        expect.accept("app\n", new String[] {"user", "get", "alice", "--user", "root:root-pw"});
        // bench shares the connection options: --user reaches a cluster with auth.
        RealProcesses.Result bench = run.apply(null, new String[] {"bench", "put", "--requests", "5", "--prefix",
                "/app/bench", "-o", "json", "--user", "alice:alice-pw"});
        assertEquals(5L, ((Map<?, ?>) DocumentReader.read(bench.out())).get("ok"), bench::toString);
        assertExit(6, run.apply(null, new String[] {"bench", "put", "--requests", "5", "--prefix", "/app/bench"}),
                "kvctl: denied: ");
        assertExit(6, run.apply(null, new String[] {"auth", "disable", "--user", "alice:alice-pw"}),
                "kvctl: denied: ");
        expect.accept("auth disabled\n", new String[] {"auth", "disable", "--user", "root:root-pw"});
        expect.accept("v", new String[] {"get", "/app/x"});
    }

    @Test
    void benchPutAndWatchReport() {
        Map<?, ?> put = (Map<?, ?>) DocumentReader.read(ok("bench", "put", "--clients", "2", "--requests", "20",
                "--prefix", "/it/bench", "-o", "json").out());
        assertEquals(20L, put.get("ok"));
        Map<?, ?> watch = (Map<?, ?>) DocumentReader.read(ok("bench", "watch", "--watchers", "2", "--clients", "2",
                "--requests", "10", "--prefix", "/it/benchw", "-o", "json").out());
        assertEquals(20L, watch.get("ok"), watch.toString());
        assertEquals(0L, watch.get("unsent"));
    }

    @Test
    void snapshotSaveStatusRestoreStartsANewCluster() throws IOException {
        ok("put", "--parents", "/it/snap/key", "kept");
        Path file = dir.resolve("backup.kvsnap");
        String saved = ok("snapshot", "save", "-o", "json", file.toString()).out();
        Map<?, ?> header = (Map<?, ?>) DocumentReader.read(saved);
        assertEquals("sha256 ok", header.get("checksum"));
        assertTrue(Files.size(file) > 0 && !Files.exists(dir.resolve("backup.kvsnap.part")));
        assertEquals(header.get("revision"), ((Map<?, ?>) DocumentReader.read(
                ok("snapshot", "status", "-o", "json", file.toString()).out())).get("revision"));

        // A damaged copy is refused by status and restore, and restore leaves nothing behind.
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Path damaged = dir.resolve("damaged.kvsnap");
        Files.write(damaged, bytes);
        assertExit(1, kvctl("snapshot", "status", damaged.toString()), "SHA-256");
        assertExit(1, kvctl("snapshot", "restore", damaged.toString(), "--data-dir",
                dir.resolve("bad").toString()), "SHA-256");
        assertFalse(Files.exists(dir.resolve("bad")));

        int client = RealProcesses.freePort();
        int peer = RealProcesses.freePort();
        Path dataDir = dir.resolve("restored");
        ok("snapshot", "restore", file.toString(), "--data-dir", dataDir.toString(), "--name", "r1", "--cluster",
                "r1=127.0.0.1:" + peer);
        assertExit(2, kvctl("snapshot", "restore", file.toString(), "--data-dir", dataDir.toString()),
                "not empty");
        processes.kvserver(dir, "r1", dataDir, client, peer, "r1=127.0.0.1:" + peer);
        Map<String, String> restored = Map.of("KVCTL_ENDPOINTS", "127.0.0.1:" + client);
        RealProcesses.await(() -> processes.kvctl(restored, null, "get", "/it/snap/key").out().equals("kept"),
                Duration.ofSeconds(30), () -> processes.kvctl(restored, null, "get", "/it/snap/key").toString());
        RealProcesses.Result put = processes.kvctl(restored, null, "put", "/it/snap/new", "v");
        assertEquals(0, put.code(), put::toString);
        Map<?, ?> st = (Map<?, ?>) ((List<?>) DocumentReader.read(processes.kvctl(restored, null, "status", "-o",
                "json").out())).get(0);
        assertEquals("r1", st.get("name"));
        assertTrue((Long) st.get("revision") > (Long) header.get("revision"), st.toString());
    }

    @Test
    void helpCompletionAndConfigFile() throws IOException {
        for (String command : List.of("put", "get", "create", "ls", "rm", "txn", "watch", "export", "import",
                "snapshot", "member", "leader", "status", "version", "completion", "bench", "lock", "elect", "user",
                "role", "auth")) {
            RealProcesses.Result help = ok(command, "--help");
            assertTrue(help.out().contains("Examples:"), command + " --help has no example: " + help.out());
        }
        String bash = ok("completion", "bash").out();
        assertTrue(bash.contains("complete -F") && bash.contains("snapshot"), bash.substring(0, 200));
        assertTrue(ok("completion", "zsh").out().contains("bashcompinit"));

        Path config = dir.resolve("kvctl.yaml");
        Files.writeString(config, "# kvctl config\nendpoints: " + endpoints + "\noutput: json\ntimeout: 5s\n");
        RealProcesses.Result fromFile = processes.kvctl(Map.of("KVCTL_CONFIG", config.toString()), null,
                "put", "--parents", "/it/conf/x", "1");
        assertEquals(0, fromFile.code(), fromFile::toString);
        RealProcesses.Result json = processes.kvctl(Map.of("KVCTL_CONFIG", config.toString()), null,
                "get", "/it/conf/x");
        assertTrue(json.out().startsWith("{\"path\":\"/it/conf/x\""), json::toString);
        RealProcesses.Result flagWins = processes.kvctl(Map.of("KVCTL_CONFIG", config.toString()), null,
                "get", "-o", "value", "/it/conf/x");
        assertEquals("1", flagWins.out());
        RealProcesses.Result envWins = processes.kvctl(Map.of("KVCTL_CONFIG", config.toString(),
                "KVCTL_OUTPUT", "table"), null, "get", "/it/conf/x");
        assertTrue(envWins.out().startsWith("PATH"), envWins::toString);
        Files.writeString(config, "endpoint: 127.0.0.1:1\n");
        assertExit(2, processes.kvctl(Map.of("KVCTL_CONFIG", config.toString()), null, "get", "/it/conf/x"),
                "config");
    }
}
