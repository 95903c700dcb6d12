package io.kvstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.client.KvClient;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** kvctl lock, elect and bench lock against one real KvServer in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockCommandTest {
    private KvServer server;
    private String endpoint;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        HostPort peer = freeLoopbackPort();
        server = KvServer.start(new ServerConfig("n1", dir, new HostPort("127.0.0.1", 0), peer, Map.of("n1", peer),
                "lock-test"));
        endpoint = server.clientAddress().toString();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void lockRunsTheCommandWithTheTokenAndExitsWithItsCode(@TempDir Path dir) throws IOException {
        Path seen = dir.resolve("seen");
        Run run = kvctl("lock", "--endpoints", endpoint, "cli-job", "--", "sh", "-c",
                "echo \"$KVSTORE_FENCING_TOKEN $KVSTORE_LOCK_PATH\" > " + seen + "; exit 7");
        assertEquals(7, run.code(), run.err());
        Matcher printed = Pattern.compile("^cli-job (\\d+)$", Pattern.MULTILINE).matcher(run.out());
        assertTrue(printed.find(), run.out());
        assertEquals(printed.group(1) + " /_locks/cli-job", Files.readString(seen).trim());
        try (KvClient kv = KvClient.builder().endpoints(endpoint).build()) {
            assertEquals(0, kv.list("/_locks/cli-job").size(), "released when the command ended");
        }
        Run again = kvctl("lock", "--endpoints", endpoint, "cli-job", "--", "true");
        assertEquals(0, again.code(), again.err());
        Matcher second = Pattern.compile("^cli-job (\\d+)$", Pattern.MULTILINE).matcher(again.out());
        assertTrue(second.find(), again.out());
        assertTrue(Long.parseLong(second.group(1)) > Long.parseLong(printed.group(1)), "tokens increase");
    }

    @Test
    void badNamesAndUsageAreClearErrors() {
        Run bad = kvctl("lock", "--endpoints", endpoint, "a/b", "--", "true");
        assertEquals(ExitCodes.USAGE, bad.code());
        assertTrue(bad.err().contains("invalid argument"), bad.err());
        Run noValue = kvctl("elect", "--endpoints", endpoint, "svc");
        assertEquals(ExitCodes.USAGE, noValue.code());
        assertTrue(noValue.err().contains("VALUE is required"), noValue.err());
    }

    @Test
    void benchLockReportsBothPhases() {
        Run run = kvctl("bench", "lock", "--endpoints", endpoint, "--requests", "6", "--waiters", "3");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("uncontended:  acquire+release, 1 client: n=6 p50="), run.out());
        assertTrue(run.out().contains("handoff:      release start -> next grant, 3 waiters: n=6 p50="), run.out());
    }

    private static HostPort freeLoopbackPort() throws IOException {
        // Below Linux's ephemeral range (see TestServers in kvstore-server's tests).
        int start = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
        for (int p = start; p < start + 700; p++) {
            try (ServerSocket socket = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return new HostPort("127.0.0.1", p);
            } catch (IOException inUse) {
                // next
            }
        }
        throw new IOException("no free loopback port near " + start);
    }

    private static Run kvctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Kvctl.execute(args, Map.of(), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
    }
}
