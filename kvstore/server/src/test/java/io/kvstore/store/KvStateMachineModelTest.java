package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based property test: random commands go to {@link KvStateMachine} and to {@link TreeModel}; after every entry
 * the results and the whole tree (paths, values, stats, child listings, revision, applied index) must agree. Runs
 * also include restarts (close and reopen RocksDB), re-delivered raft indexes, retried and stale (client, sequence)
 * pairs, NOOP and undecodable entries, and dedup-table eviction (table bound 3, five clients).
 *
 * <p>{@code -Dkv.seeds=N} sets the number of seeds (default 200); {@code -Dkv.seed=S} replays one seed.
 */
class KvStateMachineModelTest {

    private static final int OPS_PER_SEED = 150;
    private static final int DEDUP_MAX = 3;
    private static final String[] NAMES = {"a", "b", "c"};

    @TempDir
    Path tempDir;

    /** Outcome counts over all seeds, printed so a generator that stops reaching an outcome is noticed. */
    private final Map<String, Integer> outcomes = new java.util.TreeMap<>();

    @Test
    void agreesWithModel() throws IOException {
        String one = System.getProperty("kv.seed");
        long first = one != null ? Long.parseLong(one) : 1;
        int count = one != null ? 1 : Integer.getInteger("kv.seeds", 200);
        System.out.println("KvStateMachineModelTest: seeds " + first + ".." + (first + count - 1));
        for (long seed = first; seed < first + count; seed++) {
            Path dir = Files.createDirectory(tempDir.resolve("seed-" + seed));
            try {
                run(seed, dir);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " failed; replay: mvn -o -pl kvstore test "
                        + "-Dtest=KvStateMachineModelTest -Dkv.seed=" + seed + "\n" + t, t);
            }
        }
        System.out.println("KvStateMachineModelTest outcomes: " + outcomes);
    }

    private void run(long seed, Path dir) {
        Random random = new Random(seed);
        TreeModel model = new TreeModel(DEDUP_MAX);
        Map<String, Long> sequences = new HashMap<>();
        Map<String, Command> lastCommand = new HashMap<>();
        Map<String, WriteResult> lastResult = new HashMap<>();
        KvStateMachine store = new KvStateMachine(dir, DEDUP_MAX);
        try {
            long index = 0;
            long term = 1;
            for (int step = 0; step < OPS_PER_SEED; step++) {
                int kind = random.nextInt(100);
                if (kind < 3) {
                    store.close();
                    store = new KvStateMachine(dir, DEDUP_MAX);
                    term++;
                } else if (kind < 6 && index > 0) {
                    long old = 1 + random.nextInt((int) index);
                    assertNull(store.apply(new Entry(old, term, Entry.Type.COMMAND, ByteString.copyFromUtf8("x"))),
                            "re-applied index " + old);
                } else if (kind < 9) {
                    index++;
                    assertNull(store.apply(new Entry(index, term, Entry.Type.NOOP, ByteString.EMPTY)));
                    model.noop(index);
                } else if (kind < 10) {
                    index++;
                    WriteResult r = store.apply(new Entry(index, term, Entry.Type.COMMAND,
                            ByteString.copyFrom(new byte[] {(byte) 0xff, 1})));
                    assertEquals(ErrorCode.INVALID_COMMAND, ((Failure) r).code());
                    model.noop(index);
                } else {
                    String client = random.nextInt(5) == 0 ? "" : "client-" + random.nextInt(5);
                    Command command;
                    boolean retry = false;
                    if (!client.isEmpty() && lastCommand.containsKey(client) && kind < 18) {
                        retry = true;
                        command = lastCommand.get(client);
                    } else if (!client.isEmpty() && sequences.getOrDefault(client, 0L) > 1 && kind < 20) {
                        command = lastCommand.get(client).toBuilder().setSequence(sequences.get(client) - 1).build();
                    } else {
                        long seq = client.isEmpty() ? 0 : sequences.merge(client, 1L, Long::sum);
                        command = randomCommand(random, model).toBuilder().setClientId(client).setSequence(seq)
                                .build();
                    }
                    index++;
                    boolean remembered = model.remembers(client, command.getSequence());
                    WriteResult expected = model.apply(index, command);
                    WriteResult actual = store.apply(new Entry(index, term, Entry.Type.COMMAND,
                            command.toByteString()));
                    assertSameResult(expected, actual, command);
                    outcomes.merge(actual instanceof Failure f ? f.code().name() : "OK "
                            + command.getOpCase(), 1, Integer::sum);
                    if (retry && remembered) {
                        assertEquals(lastResult.get(client), actual, "a retry must return the original result");
                    } else if (retry) {
                        lastResult.put(client, actual); // evicted, so applied again: now the stored result
                    }
                    if (!client.isEmpty() && !retry && command.getSequence() == sequences.get(client)) {
                        lastCommand.put(client, command);
                        lastResult.put(client, actual);
                    }
                }
                assertSameState(model, store);
            }
        } finally {
            store.close();
        }
    }

    private static void assertSameResult(WriteResult expected, WriteResult actual, Command command) {
        if (expected instanceof Failure e && actual instanceof Failure a) {
            assertEquals(List.of(e.code(), e.currentVersion(), e.opIndex()),
                    List.of(a.code(), a.currentVersion(), a.opIndex()), () -> "failure of " + command + a);
        } else {
            assertEquals(expected, actual, () -> "result of " + command);
        }
    }

    private static void assertSameState(TreeModel model, KvStateMachine store) {
        assertEquals(model.appliedIndex(), store.appliedIndex(), "applied index");
        assertEquals(model.revision(), store.revision(), "revision");
        List<String> paths = new ArrayList<>();
        collect(store, ZPath.ROOT, paths);
        assertEquals(model.paths(), paths, "paths");
        for (String path : paths) {
            Lookup lookup = store.get(ZPath.parse(path));
            assertEquals(model.revision(), lookup.revision(), "lookup revision");
            assertEquals(model.stat(path), lookup.znode().stat(), () -> "stat of " + path);
            assertEquals(model.node(path).data(), lookup.znode().data(), () -> "data of " + path);
        }
    }

    /** All paths under {@code path} by listing, 2 names per page, checking each listing against the model. */
    private static void collect(KvStateMachine store, ZPath path, List<String> out) {
        out.add(path.value());
        List<String> names = new ArrayList<>();
        String token = "";
        do {
            ListPage page = (ListPage) store.list(path, token, 2);
            assertEquals(store.revision(), page.revision(), "listing revision");
            names.addAll(page.names());
            token = page.nextPageToken();
        } while (!token.isEmpty());
        for (String name : names) {
            collect(store, path.child(name), out);
        }
        out.sort(null);
    }

    static Command randomCommand(Random random, TreeModel model) {
        Command.Builder b = Command.newBuilder();
        switch (random.nextInt(4)) {
            case 0 -> b.setCreate(randomCreate(random));
            case 1 -> b.setPut(randomPut(random, model));
            case 2 -> b.setDelete(randomDelete(random, model));
            default -> b.setTxn(randomTxn(random, model));
        }
        return b.build();
    }

    private static CreateRequest randomCreate(Random random) {
        return CreateRequest.newBuilder().setPath(randomPath(random)).setValue(randomValue(random))
                .setMakeParents(random.nextInt(3) == 0).build();
    }

    private static PutRequest randomPut(Random random, TreeModel model) {
        String path = randomPath(random);
        PutRequest.Builder b = PutRequest.newBuilder().setPath(path).setValue(randomValue(random))
                .setMakeParents(random.nextInt(3) == 0);
        expectedVersion(random, model, path).ifPresent(b::setExpectedVersion);
        return b.build();
    }

    private static DeleteRequest randomDelete(Random random, TreeModel model) {
        String path = randomPath(random);
        DeleteRequest.Builder b = DeleteRequest.newBuilder().setPath(path).setRecursive(random.nextBoolean());
        expectedVersion(random, model, path).ifPresent(b::setExpectedVersion);
        return b.build();
    }

    private static TxnRequest randomTxn(Random random, TreeModel model) {
        TxnRequest.Builder b = TxnRequest.newBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
            b.addCompare(randomCompare(random, model));
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            b.addSuccess(randomTxnOp(random, model));
        }
        for (int i = random.nextInt(3); i > 0; i--) {
            b.addFailure(randomTxnOp(random, model));
        }
        return b.build();
    }

    private static TxnOp randomTxnOp(Random random, TreeModel model) {
        return switch (random.nextInt(4)) {
            case 0 -> TxnOp.newBuilder().setCreate(randomCreate(random)).build();
            case 1 -> TxnOp.newBuilder().setPut(randomPut(random, model)).build();
            case 2 -> TxnOp.newBuilder().setDelete(randomDelete(random, model)).build();
            default -> TxnOp.newBuilder().setGet(GetRequest.newBuilder().setPath(randomPath(random))).build();
        };
    }

    private static Compare randomCompare(Random random, TreeModel model) {
        String path = randomPath(random);
        TreeModel.Node node = model.node(path);
        Compare.Builder b = Compare.newBuilder().setPath(path)
                .setOp(Compare.Op.forNumber(1 + random.nextInt(4)));
        switch (random.nextInt(5)) {
            case 0 -> b.setExists(random.nextBoolean()).setOp(random.nextBoolean()
                    ? Compare.Op.EQUAL : Compare.Op.NOT_EQUAL);
            case 1 -> b.setVersion(node == null ? random.nextInt(2) : node.version() + random.nextInt(3) - 1);
            case 2 -> b.setModRevision(node == null ? 0 : node.modRevision() + random.nextInt(3) - 1);
            case 3 -> b.setCreateRevision(node == null ? 0 : node.createRevision());
            default -> b.setValue(node != null && random.nextBoolean() ? node.data() : randomValue(random));
        }
        return b.build();
    }

    /** Absent, -1, 0, the current version, or one off it. */
    private static java.util.Optional<Long> expectedVersion(Random random, TreeModel model, String path) {
        TreeModel.Node node = model.node(path);
        long current = node == null ? 0 : node.version();
        return switch (random.nextInt(6)) {
            case 0, 1 -> java.util.Optional.empty();
            case 2 -> java.util.Optional.of(-1L);
            case 3 -> java.util.Optional.of(0L);
            case 4 -> java.util.Optional.of(current);
            default -> java.util.Optional.of(current + 1);
        };
    }

    /** Mostly depth 1 to 3 over three names; sometimes the root, which writes must refuse. */
    private static String randomPath(Random random) {
        if (random.nextInt(40) == 0) {
            return "/";
        }
        StringBuilder path = new StringBuilder();
        for (int depth = 1 + random.nextInt(3); depth > 0; depth--) {
            path.append('/').append(NAMES[random.nextInt(NAMES.length)]);
        }
        return path.toString();
    }

    private static ByteString randomValue(Random random) {
        byte[] value = new byte[random.nextInt(4)];
        random.nextBytes(value);
        return ByteString.copyFrom(value);
    }
}
