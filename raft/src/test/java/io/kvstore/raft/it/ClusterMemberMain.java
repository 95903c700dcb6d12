package io.kvstore.raft.it;

import com.google.protobuf.ByteString;
import io.kvstore.raft.RaftNode;
import io.kvstore.raft.RaftNodeOptions;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.raft.demo.AppendOnlyFileStateMachine;
import io.kvstore.raft.demo.RaftDemo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One cluster member in its own JVM, driven by a test through stdin/stdout, one reply line per command line:
 * <pre>
 * propose X  ->  OK index | ERR ExceptionName message
 * status     ->  STATUS role term leader applied
 * snapshots  ->  SNAPSHOTS snapshotIndex taken installed bytesFetched
 * </pre>
 * Arguments: {@code name dataDir clusterSpec} (clusterSpec as {@code n1=127.0.0.1:p1,...}). Logs go to stderr.
 * System property {@code it.snapshotEveryEntries} overrides the snapshot interval.
 */
public final class ClusterMemberMain {
    private ClusterMemberMain() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        Path dataDir = Path.of(args[1]);
        RaftNodeOptions options = RaftNodeOptions.builder(name, "it-cluster", RaftDemo.parseCluster(args[2]), dataDir)
                .snapshotEveryEntries(Long.getLong("it.snapshotEveryEntries", 10_000))
                .build();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (AppendOnlyFileStateMachine stateMachine =
                     new AppendOnlyFileStateMachine(dataDir.resolve("demo-applied.log"));
             RaftNode node = RaftNode.open(options, stateMachine)) {
            node.start();
            out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                out.println(handle(node, line));
            }
        }
    }

    private static String handle(RaftNode node, String line) throws InterruptedException {
        if (line.equals("status")) {
            RaftStatus s = node.status();
            return "STATUS " + s.role() + " " + s.term() + " " + s.leaderId() + " " + s.appliedIndex();
        }
        if (line.equals("snapshots")) {
            RaftNode.SnapshotStats s = node.snapshotStats();
            return "SNAPSHOTS " + s.snapshotIndex() + " " + s.snapshotsTaken() + " " + s.snapshotsInstalled() + " "
                    + s.bytesFetched();
        }
        if (line.startsWith("propose ")) {
            try {
                Object index = node.propose(ByteString.copyFromUtf8(line.substring("propose ".length())))
                        .get(5, TimeUnit.SECONDS);
                return "OK " + index;
            } catch (ExecutionException e) {
                return "ERR " + e.getCause().getClass().getSimpleName() + " " + e.getCause().getMessage();
            } catch (TimeoutException e) {
                return "ERR Timeout";
            }
        }
        return "ERR unknown command: " + line;
    }
}
