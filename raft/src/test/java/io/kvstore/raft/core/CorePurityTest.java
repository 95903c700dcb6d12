package io.kvstore.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the protocol core deterministic: its sources may not do I/O, use threads, clocks or unseeded randomness,
 * or log. Everything of that kind belongs to the runtime ({@code RaftLoop}) or behind an interface. Comments count
 * too: a mention is usually the first step towards a use, and rewording a comment is cheap.
 */
class CorePurityTest {
    /** Source directory of the core, relative to the module directory (surefire's working directory). */
    private static final Path CORE_SOURCES = Path.of("src/main/java/io/kvstore/raft/core");

    private static final List<Pattern> FORBIDDEN = Stream.of(
            "\\bjava\\.io\\b", "\\bjava\\.nio\\b", "\\bjava\\.net\\b", "\\bjava\\.util\\.concurrent\\b",
            "\\bThread\\b", "System\\.currentTimeMillis", "System\\.nanoTime", "\\bInstant\\.now\\b",
            "new\\s+Random\\s*\\(", "Math\\.random", "\\bio\\.netty\\b", "\\bio\\.grpc\\b", "\\borg\\.rocksdb\\b",
            "\\borg\\.slf4j\\b")
            .map(Pattern::compile).toList();

    @Test
    void coreSourcesUseNoIoThreadsClocksUnseededRandomnessOrLogging() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).resolve(CORE_SOURCES);
        List<Path> sources;
        try (Stream<Path> files = Files.list(dir)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertTrue(sources.stream().anyMatch(p -> p.endsWith("RaftCore.java")), "wrong directory: " + dir);
        List<String> violations = new ArrayList<>();
        for (Path source : sources) {
            violations.addAll(violations(source));
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void scannerFindsEveryForbiddenMention(@TempDir Path dir) throws IOException {
        Path planted = dir.resolve("Planted.java");
        Files.writeString(planted, String.join("\n",
                "import java.io.File;", "import java.nio.file.Path;", "import java.net.Socket;",
                "import java.util.concurrent.Executor;", "new Thread(() -> {});", "System.currentTimeMillis();",
                "System.nanoTime();", "Instant.now();", "new Random (7);", "Math.random();",
                "io.netty.channel.Channel c;", "io.grpc.Status s;", "org.rocksdb.RocksDB db;",
                "org.slf4j.Logger log;", "java.util.random.RandomGenerator fine;", "threads in lower case are fine"));
        List<String> violations = violations(planted);
        assertEquals(FORBIDDEN.size(), violations.size(), String.join("\n", violations));
        for (int line = 1; line <= FORBIDDEN.size(); line++) {
            String prefix = "Planted.java:" + line + ":";
            assertTrue(violations.stream().anyMatch(v -> v.startsWith(prefix)), "line " + line + " not caught");
        }
    }

    /** One "file:line: text" per line that matches a forbidden pattern. */
    static List<String> violations(Path source) throws IOException {
        List<String> found = new ArrayList<>();
        List<String> lines = Files.readAllLines(source);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (FORBIDDEN.stream().anyMatch(p -> p.matcher(line).find())) {
                found.add(source.getFileName() + ":" + (i + 1) + ": " + line.strip());
            }
        }
        return found;
    }
}
