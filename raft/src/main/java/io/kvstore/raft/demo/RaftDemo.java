package io.kvstore.raft.demo;

import com.google.protobuf.ByteString;
import io.kvstore.raft.NotLeaderException;
import io.kvstore.raft.RaftNode;
import io.kvstore.raft.RaftNodeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one raft member and proposes each line read from stdin, printing {@code committed at index N}.
 *
 * <pre>
 * java io.kvstore.raft.demo.RaftDemo --name n1 --data-dir ./data/n1 --peer-addr 127.0.0.1:7001 \
 *     --cluster n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 [--cluster-id demo]
 * </pre>
 * Defaults: a single member n1 on 127.0.0.1:7001 with data in ./data. Applied commands are appended to
 * {@code <data-dir>/demo-applied.log}.
 */
public final class RaftDemo {
    /** How long one proposal may take before the demo reports it as unknown (e.g. no quorum). */
    private static final long PROPOSE_TIMEOUT_SECONDS = 10;

    private RaftDemo() {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Configuration mistakes: the message says what to change, a stack trace would hide it.
            System.err.println("raft-demo: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> flags = parseFlags(args);
        String name = flags.getOrDefault("name", "n1");
        String peerAddr = flags.getOrDefault("peer-addr", "127.0.0.1:7001");
        Map<String, InetSocketAddress> members = parseCluster(flags.getOrDefault("cluster", name + "=" + peerAddr));
        Path dataDir = Path.of(flags.getOrDefault("data-dir", "./data"));
        if (!members.containsKey(name) || !members.get(name).equals(parseAddress(peerAddr))) {
            throw new IllegalArgumentException("--cluster must contain " + name + "=" + peerAddr + ": " + members);
        }
        RaftNodeOptions options = RaftNodeOptions.builder(name, flags.getOrDefault("cluster-id", "demo"),
                members, dataDir).build();
        try (AppendOnlyFileStateMachine stateMachine =
                     new AppendOnlyFileStateMachine(dataDir.resolve("demo-applied.log"));
             RaftNode node = RaftNode.open(options, stateMachine)) {
            node.start();
            awaitLeader(node);
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = stdin.readLine()) != null; ) {
                System.out.println(propose(node, line));
            }
        }
    }

    private static String propose(RaftNode node, String line) throws InterruptedException {
        try {
            Object index = node.propose(ByteString.copyFromUtf8(line)).get(PROPOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return "committed at index " + index;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotLeaderException notLeader) {
                return "not the leader; leader is " + (notLeader.leaderHint() == null ? "unknown"
                        : notLeader.leaderHint());
            }
            return "failed: " + e.getCause().getMessage();
        } catch (TimeoutException e) {
            return "no answer within " + PROPOSE_TIMEOUT_SECONDS + " s (no quorum?); outcome unknown";
        }
    }

    /** Lines typed before an election finishes would only get "not the leader"; wait a few election timeouts. */
    private static void awaitLeader(RaftNode node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROPOSE_TIMEOUT_SECONDS);
        while (node.status().leaderId() == null && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        System.out.println("leader: " + node.status().leaderId());
    }

    static Map<String, String> parseFlags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value pairs, got: " + String.join(" ", args));
            }
            flags.put(args[i].substring(2), args[i + 1]);
        }
        return flags;
    }

    /** Parses {@code n1=host:port,n2=host:port}. */
    public static Map<String, InetSocketAddress> parseCluster(String spec) {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--cluster entry must be name=host:port: " + part);
            }
            members.put(kv[0].trim(), parseAddress(kv[1].trim()));
        }
        return members;
    }

    static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("address must be host:port: " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
