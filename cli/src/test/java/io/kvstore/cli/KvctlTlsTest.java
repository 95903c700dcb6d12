package io.kvstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.raft.transport.tls.TlsFiles;
import io.kvstore.server.KvServer;
import io.kvstore.server.config.HostPort;
import io.kvstore.server.config.ServerConfig;
import io.kvstore.server.config.TlsConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** kvctl --cacert/--cert/--key against a real member that requires client certificates (made by kvstore-certs). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvctlTlsTest {
    private KvServer server;
    private Path pki;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        pki = dir.resolve("pki");
        certs("ca");
        certs("node", "n1");
        certs("client", "alice");
        HostPort peer = freeLoopbackPort();
        ServerConfig config = new ServerConfig("n1", dir.resolve("data"), new HostPort("127.0.0.1", 0), peer,
                Map.of("n1", peer), "tls-test").withTls(new TlsConfig(
                new TlsFiles(pki.resolve("n1.crt"), pki.resolve("n1.key"), pki.resolve("ca.crt")), true, null));
        server = KvServer.start(config);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void putAndGetWithCaAndClientCertificate() {
        Run put = kvctl("put", "/tls-cli", "hello", "--cacert", pki.resolve("ca.crt").toString(),
                "--cert", pki.resolve("alice.crt").toString(), "--key", pki.resolve("alice.key").toString());
        assertEquals(0, put.code(), put.err());
        Run get = kvctl("get", "/tls-cli", "--cacert", pki.resolve("ca.crt").toString(),
                "--cert", pki.resolve("alice.crt").toString(), "--key", pki.resolve("alice.key").toString());
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("hello"), get.out());
    }

    @Test
    void benchTakesTheSharedTlsOptions() {
        Run bench = kvctl("bench", "put", "--requests", "5", "--prefix", "/tls-bench", "-o", "json",
                "--cacert", pki.resolve("ca.crt").toString(), "--cert", pki.resolve("alice.crt").toString(),
                "--key", pki.resolve("alice.key").toString());
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.out().contains("\"ok\":5,"), bench.out());
        Run plaintext = kvctl("bench", "put", "--requests", "5", "--prefix", "/tls-bench", "--timeout", "1s");
        assertEquals(ExitCodes.UNAVAILABLE, plaintext.code(), plaintext.err());
    }

    @Test
    void withoutClientCertificateTheServerRefuses() {
        Run run = kvctl("get", "/tls-cli", "--cacert", pki.resolve("ca.crt").toString(), "--timeout", "1s");
        assertEquals(ExitCodes.UNAVAILABLE, run.code(), run.err());
    }

    @Test
    void certWithoutKeyIsAnError() {
        Run run = kvctl("get", "/tls-cli", "--cert", pki.resolve("alice.crt").toString());
        assertEquals(ExitCodes.USAGE, run.code(), run.err());
        assertTrue(run.err().contains("--cert and --key must be given together"), run.err());
    }

    private Run kvctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoints", server.clientAddress().toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Kvctl.execute(all.toArray(String[]::new), Map.of(), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
    }

    private void certs(String... args) throws Exception {
        Path script = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && script == null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/kvstore-certs"))) {
                script = p.resolve("bin/kvstore-certs");
            }
        }
        List<String> command = new ArrayList<>(List.of(String.valueOf(script), pki.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("kvstore-certs " + String.join(" ", args) + " failed: " + output);
        }
    }

    /** A free loopback port below Linux's ephemeral range (32768+), where outgoing connections take theirs. */
    private static HostPort freeLoopbackPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return new HostPort("127.0.0.1", socket.getLocalPort());
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free loopback port in 20000..32000");
    }
}
