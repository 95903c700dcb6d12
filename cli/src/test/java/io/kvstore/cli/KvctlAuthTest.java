package io.kvstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.server.KvServer;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** kvctl user|role|auth and --user / KVCTL_USER / KVCTL_PASSWORD against a real member. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvctlAuthTest {
    private KvServer server;
    private String endpoint;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        HostPort peer;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            peer = new HostPort("127.0.0.1", socket.getLocalPort());
        }
        server = KvServer.start(new ServerConfig("n1", dir, new HostPort("127.0.0.1", 0), peer, Map.of("n1", peer),
                "kvctl-auth-test"));
        endpoint = server.clientAddress().toString();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void usersRolesAndAuthFromTheCommandLine() {
        ok(kvctl(Map.of(), "auth", "status"), "disabled (auth revision 0)\n");
        assertEquals(ExitCodes.PRECONDITION, kvctl(Map.of(), "auth", "enable").code(), "no root user yet");
        ok(kvctlIn("root-pw\n", "user", "add", "root"), "user root added\n"); // password from stdin
        ok(kvctl(Map.of(), "user", "add", "alice", "--password", "alice-pw"), "user alice added\n");
        ok(kvctl(Map.of(), "role", "add", "app"), "role app added\n");
        ok(kvctl(Map.of(), "role", "grant", "app", "write", "/app/"), "role app: write on /app/\n");
        assertEquals(ExitCodes.USAGE, kvctl(Map.of(), "role", "grant", "app", "sudo", "/").code());
        ok(kvctl(Map.of(), "user", "grant-role", "alice", "app"), "role app granted to user alice\n");
        ok(kvctl(Map.of(), "auth", "enable"), "auth enabled\n");

        assertEquals(ExitCodes.DENIED, kvctl(Map.of(), "get", "/app").code(), "no credentials");
        ok(kvctl(Map.of(), "put", "--parents", "/app/x", "v", "--user", "alice:alice-pw"), "");
        Run denied = kvctl(Map.of(), "put", "/other", "v", "--user", "alice:alice-pw");
        assertEquals(ExitCodes.DENIED, denied.code(), denied.err());
        assertTrue(denied.err().startsWith("kvctl: denied: "), denied.err());
        Run fromEnv = kvctl(Map.of("KVCTL_USER", "alice", "KVCTL_PASSWORD", "alice-pw"), "get", "/app/x");
        assertEquals(0, fromEnv.code(), fromEnv.err());
        assertEquals("v", fromEnv.out());
        assertEquals(ExitCodes.DENIED, kvctl(Map.of(), "get", "/app/x", "--user", "alice:wrong").code());
        assertEquals(ExitCodes.DENIED, kvctl(Map.of(), "user", "grant-role", "alice",
                "root", "--user", "alice:alice-pw").code(), "no escalation");

        ok(kvctl(Map.of(), "role", "get", "app", "--user", "root:root-pw"), "write /app/\n");
        ok(kvctl(Map.of(), "user", "get", "alice", "--user", "root:root-pw"), "app\n");
        ok(kvctl(Map.of(), "user", "list", "--user", "root:root-pw"), "alice\nroot\n");
        ok(kvctl(Map.of(), "role", "list", "--user", "root:root-pw"), "app\nroot\n");
        assertTrue(kvctl(Map.of(), "auth", "status", "--user", "root:root-pw").out().startsWith("enabled"));
        ok(kvctl(Map.of(), "auth", "disable", "--user", "root:root-pw"), "auth disabled\n");
        ok(kvctl(Map.of(), "get", "/app/x"), "v");
    }

    private void ok(Run run, String out) {
        assertEquals(0, run.code(), run.err());
        assertEquals(out.replace("\n", System.lineSeparator()), run.out());
    }

    private Run kvctl(Map<String, String> env, String... args) {
        return run(env, "", args);
    }

    private Run kvctlIn(String stdin, String... args) {
        return run(Map.of(), stdin, args);
    }

    private Run run(Map<String, String> extraEnv, String stdin, String... args) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("KVCTL_ENDPOINTS", endpoint);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Kvctl.execute(args, env, new ByteArrayInputStream(stdin.getBytes(UTF_8)),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
    }
}
