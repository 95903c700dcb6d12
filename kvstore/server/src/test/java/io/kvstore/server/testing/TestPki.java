package io.kvstore.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made by the project's own {@code bin/kvstore-certs} (openssl) in a directory the caller deletes,
 * so the tests also exercise the documented script.
 */
public final class TestPki {

    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /** A new CA in {@code dir}. */
    public static TestPki create(Path dir) throws IOException, InterruptedException {
        TestPki pki = new TestPki(dir);
        pki.run("ca");
        return pki;
    }

    /** A node certificate {@code name.crt}/{@code name.key} (server and client use, SAN localhost/127.0.0.1). */
    public Path node(String name) throws IOException, InterruptedException {
        run("node", name);
        return dir.resolve(name + ".crt");
    }

    /** A client-only certificate with CN {@code name}. */
    public Path client(String name) throws IOException, InterruptedException {
        run("client", name);
        return dir.resolve(name + ".crt");
    }

    public Path dir() {
        return dir;
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    public Path cert(String name) {
        return dir.resolve(name + ".crt");
    }

    public Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** The repository's bin/kvstore-certs, found upwards from the working directory (a module directory). */
    public static Path script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("bin/kvstore-certs");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("bin/kvstore-certs not found above " + Path.of("").toAbsolutePath());
    }

    private void run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script().toString());
        command.add(dir.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("kvstore-certs " + String.join(" ", args) + " failed: " + new String(output));
        }
    }
}
