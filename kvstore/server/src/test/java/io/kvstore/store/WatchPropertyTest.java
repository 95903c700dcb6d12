package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvstore.api.v1.EventType;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.store.command.Command;
import io.kvstore.watch.WatchClient;
import io.kvstore.watch.WatchHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For random writes on a small tree (creates, puts, deletes, recursive deletes, txns; from the model test's
 * generator) and random watches (modes, paths, start revisions, prev values), with random reconnects that resume
 * from the last revision seen + 1: every watch receives exactly the changes in its scope from its start, in order,
 * once, as computed from {@link TreeModel} states. Over real gRPC on 127.0.0.1.
 *
 * <p>{@code -Dwatch.seeds=N} (default 6) and {@code -Dwatch.seed=S} to replay one seed.
 */
class WatchPropertyTest {

    private static final int WRITES_PER_SEED = 150;
    private static final int WATCHES = 5;
    private static final String[] PATHS = {"/", "/a", "/b", "/a/b", "/a/c", "/c"};
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tempDir;
    private int reconnects;

    /** A watch as the test sees it across reconnects. */
    private static final class Subject {
        final WatchCreateRequest request;
        final List<WatchEvent> received = new ArrayList<>();
        long firstRevision; // expected events are those at >= this
        long seen;          // highest revision told (events or progress)
        WatchClient client;
        long nextId = 1;

        Subject(WatchCreateRequest request) {
            this.request = request;
        }
    }

    @Test
    void watchersReceiveExactlyTheChangesInScopeInOrder() throws Exception {
        String one = System.getProperty("watch.seed");
        long first = one != null ? Long.parseLong(one) : 1;
        int count = one != null ? 1 : Integer.getInteger("watch.seeds", 6);
        for (long seed = first; seed < first + count; seed++) {
            Path dir = Files.createDirectory(tempDir.resolve("seed-" + seed));
            reconnects = 0;
            current.clear();
            consumed.clear();
            try {
                run(seed, dir);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " failed; replay: mvn -o -pl kvstore/api,kvstore/server test "
                        + "-Dtest=WatchPropertyTest -Dwatch.seed=" + seed + " -Dsurefire.failIfNoSpecifiedTests=false\n"
                        + t, t);
            }
        }
    }

    private void run(long seed, Path dir) throws Exception {
        Random random = new Random(seed);
        TreeModel model = new TreeModel(1_000);
        TreeMap<Long, List<WatchEvent>> expected = new TreeMap<>();
        List<Subject> subjects = new ArrayList<>();
        try (WatchHarness h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofMillis(20))) {
            long index = 0;
            for (int step = 0; step < WRITES_PER_SEED; step++) {
                if (step == WRITES_PER_SEED / 4 || (step > WRITES_PER_SEED / 4 && subjects.size() < WATCHES
                        && random.nextInt(8) == 0)) {
                    subjects.add(register(h, random, model.revision()));
                }
                if (!subjects.isEmpty() && random.nextInt(10) == 0) {
                    reconnect(h, subjects.get(random.nextInt(subjects.size())));
                }
                Command command = KvStateMachineModelTest.randomCommand(random, model);
                Map<String, TreeModel.Node> before = snapshot(model);
                Map<String, io.kvstore.api.v1.Stat> beforeStats = stats(model);
                index++;
                model.apply(index, command);
                h.apply(command);
                assertEquals(model.revision(), h.store.revision(), "store and model revisions");
                List<WatchEvent> events = diff(before, beforeStats, model, model.revision());
                if (!events.isEmpty()) {
                    expected.put(model.revision(), events);
                }
            }
            long last = model.revision();
            int compared = 0;
            for (Subject s : subjects) {
                Awaiting(() -> seen(s) >= last, s);
                s.client.close();
                List<WatchEvent> want = new ArrayList<>();
                for (List<WatchEvent> events : expected.tailMap(s.firstRevision, true).values()) {
                    for (WatchEvent e : events) {
                        if (inScope(s.request, e.getPath())) {
                            want.add(s.request.getPrevValue() ? e
                                    : e.toBuilder().clearPrevValue().clearPrevStat().build());
                        }
                    }
                }
                List<WatchEvent> got;
                synchronized (s) {
                    got = new ArrayList<>(s.received);
                }
                assertEquals(want, got, "events of watch " + s.request);
                compared += got.size();
            }
            System.out.println("WatchPropertyTest seed " + seed + ": revision " + last + ", " + subjects.size()
                    + " watches, " + reconnects + " reconnects, " + compared + " events compared");
        }
    }

    private static void Awaiting(java.util.function.BooleanSupplier condition, Subject s) {
        io.kvstore.server.testing.Awaiting.until(condition, AWAIT, () -> "watch " + s.request + " saw " + s.seen);
    }

    private Subject register(WatchHarness h, Random random, long revision) {
        WatchMode mode = WatchMode.forNumber(1 + random.nextInt(3));
        long start = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt((int) revision + 3);
        Subject s = new Subject(WatchCreateRequest.newBuilder().setPath(PATHS[random.nextInt(PATHS.length)])
                .setMode(mode).setStartRevision(start).setPrevValue(random.nextBoolean()).setProgressNotify(true)
                .build());
        open(h, s, start);
        return s;
    }

    /** Opens a new stream for {@code s} from revision {@code start} (0: from now) and waits for created. */
    private void open(WatchHarness h, Subject s, long start) {
        WatchClient client = new WatchClient(h.channel);
        long id = s.nextId++;
        client.create(s.request.toBuilder().setWatchId(id).setStartRevision(start).build());
        WatchResponse created = client.await(id, WatchResponse::getCreated, AWAIT);
        synchronized (s) {
            if (s.client == null) {
                s.firstRevision = start == 0 ? created.getHeader().getRevision() + 1 : start;
            }
            s.client = client;
        }
        current.put(s, id);
    }

    /** The watch id of each subject's current stream; responses are read from that client's list in seen(). */
    private final Map<Subject, Long> current = new java.util.IdentityHashMap<>();
    private final Map<Subject, Integer> consumed = new java.util.IdentityHashMap<>();

    /** Moves newly arrived responses of the current stream into {@code s}; returns the revision seen. */
    private long seen(Subject s) {
        synchronized (s) {
            long id = current.get(s);
            List<WatchResponse> responses = s.client.responses(id);
            int from = consumed.getOrDefault(s, 0);
            for (WatchResponse r : responses.subList(from, responses.size())) {
                if (r.hasEvents()) {
                    s.received.addAll(r.getEvents().getEventsList());
                    s.seen = Math.max(s.seen, r.getHeader().getRevision());
                } else if (r.getProgress()) {
                    s.seen = Math.max(s.seen, r.getHeader().getRevision());
                } else if (r.hasCanceled()) {
                    throw new AssertionError("watch cancelled: " + r);
                }
            }
            consumed.put(s, responses.size());
            return s.seen;
        }
    }

    /** Closes the stream (whatever it has not delivered is lost) and resumes on a new one from seen + 1. */
    private void reconnect(WatchHarness h, Subject s) {
        reconnects++;
        long resumeFrom;
        synchronized (s) {
            seen(s);
            s.client.close();
            consumed.put(s, 0);
            resumeFrom = Math.max(s.seen + 1, s.firstRevision);
        }
        open(h, s, resumeFrom);
    }

    private static boolean inScope(WatchCreateRequest w, String path) {
        String prefix = w.getPath().equals("/") ? "/" : w.getPath() + "/";
        return switch (w.getMode()) {
            case CHILDREN -> path.startsWith(prefix) && path.length() > prefix.length()
                    && path.indexOf('/', prefix.length()) < 0;
            case SUBTREE -> path.equals(w.getPath()) || path.startsWith(prefix);
            default -> path.equals(w.getPath());
        };
    }

    private static Map<String, TreeModel.Node> snapshot(TreeModel model) {
        Map<String, TreeModel.Node> out = new TreeMap<>();
        for (String p : model.paths()) {
            out.put(p, model.node(p));
        }
        return out;
    }

    private static Map<String, io.kvstore.api.v1.Stat> stats(TreeModel model) {
        Map<String, io.kvstore.api.v1.Stat> out = new TreeMap<>();
        for (String p : model.paths()) {
            out.put(p, model.stat(p));
        }
        return out;
    }

    /** The events of one revision by their definition: znode appeared, vanished, re-created, or data written. */
    private static List<WatchEvent> diff(Map<String, TreeModel.Node> before,
            Map<String, io.kvstore.api.v1.Stat> beforeStats, TreeModel after, long revision) {
        List<WatchEvent> deleted = new ArrayList<>();
        List<WatchEvent> created = new ArrayList<>();
        List<WatchEvent> updated = new ArrayList<>();
        java.util.Set<String> paths = new java.util.TreeSet<>(before.keySet());
        paths.addAll(after.paths());
        paths.remove("/");
        for (String p : paths) {
            TreeModel.Node b = before.get(p);
            TreeModel.Node a = after.node(p);
            boolean recreated = b != null && a != null && b.createRevision() != a.createRevision();
            WatchEvent.Builder base = WatchEvent.newBuilder().setPath(p).setRevision(revision);
            if (b != null && (a == null || recreated)) {
                deleted.add(base.clone().setType(EventType.DELETED).setPrevValue(b.data())
                        .setPrevStat(beforeStats.get(p)).build());
            }
            if (a != null && (b == null || recreated)) {
                created.add(base.clone().setType(EventType.CREATED).setValue(a.data()).setStat(after.stat(p))
                        .build());
            } else if (a != null && a.version() != b.version()) {
                updated.add(base.clone().setType(EventType.UPDATED).setValue(a.data()).setStat(after.stat(p))
                        .setPrevValue(b.data()).setPrevStat(beforeStats.get(p)).build());
            }
        }
        Comparator<WatchEvent> byPath = Comparator.comparing(WatchEvent::getPath);
        deleted.sort(Comparator.comparingInt((WatchEvent e) -> -depth(e.getPath())).thenComparing(byPath));
        created.sort(Comparator.comparingInt((WatchEvent e) -> depth(e.getPath())).thenComparing(byPath));
        updated.sort(byPath);
        List<WatchEvent> all = new ArrayList<>(deleted);
        all.addAll(created);
        all.addAll(updated);
        return all;
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }
}
