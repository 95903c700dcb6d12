package io.kvstore.watch;

import static io.kvstore.watch.WatchHarness.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.EventType;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.WatchCreateRequest;
import io.kvstore.api.v1.WatchEvent;
import io.kvstore.api.v1.WatchMode;
import io.kvstore.api.v1.WatchResponse;
import io.kvstore.store.HistoryBounds;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Watch service over loopback gRPC: compaction, slow watchers, progress, limits and bad input. */
class WatchServiceTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private WatchHarness h;

    @AfterEach
    void stop() throws InterruptedException {
        if (h != null) {
            h.close();
        }
    }

    private static Command put(String path, String value) {
        return Command.newBuilder().setPut(PutRequest.newBuilder().setPath(path).setValue(bytes(value))
                .setMakeParents(true)).build();
    }

    private static WatchCreateRequest.Builder watch(long id, String path, WatchMode mode, long start) {
        return WatchCreateRequest.newBuilder().setWatchId(id).setPath(path).setMode(mode).setStartRevision(start);
    }

    @Test
    void watchFromATrimmedRevisionIsCancelledCompactedWithTheOldestRevision() {
        h = new WatchHarness(dir, new HistoryBounds(5, Duration.ofHours(1)), Duration.ofSeconds(10));
        for (int i = 1; i <= 20; i++) {
            h.apply(put("/k", "v" + i));
        }
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/k", WatchMode.ZNODE, 3).build());
            WatchResponse r = c.await(1, WatchResponse::hasCanceled, AWAIT);
            assertEquals(ErrorCode.COMPACTED.name(), r.getCanceled().getReason());
            assertEquals(16, r.getCanceled().getCompactRevision(), "revisions 16..20 are kept");

            c.create(watch(2, "/k", WatchMode.ZNODE, 16).build());
            c.await(2, x -> x.hasEvents() && x.getHeader().getRevision() == 20, AWAIT);
            assertEquals(List.of(16L, 17L, 18L, 19L, 20L),
                    c.events(2).stream().map(WatchEvent::getRevision).toList(), "replayed from the oldest kept");
        }
    }

    @Test
    void historySurvivesARestart() throws InterruptedException {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        h.apply(put("/k", "1"));
        h.apply(put("/k", "2"));
        h.close();
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        h.apply(put("/k", "3"));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/k", WatchMode.ZNODE, 1).build());
            c.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == 3, AWAIT);
            assertEquals(List.of(bytes("1"), bytes("2"), bytes("3")),
                    c.events(1).stream().map(WatchEvent::getValue).toList());
        }
    }

    @Test
    void liveWatchCatchesUpFromTheHistoryOfAnInstalledSnapshot() throws Exception {
        Path other = java.nio.file.Files.createDirectories(dir.resolve("leader"));
        Path snapshot = java.nio.file.Files.createDirectories(dir.resolve("snapshot"));
        try (io.kvstore.store.KvStateMachine leader = new io.kvstore.store.KvStateMachine(other.resolve("state"))) {
            for (int i = 1; i <= 3; i++) {
                leader.apply(new io.kvstore.raft.core.Entry(i, 1, io.kvstore.raft.core.Entry.Type.COMMAND,
                        put("/s", "v" + i).toByteString()));
            }
            leader.snapshot(snapshot);
        }
        h = new WatchHarness(dir.resolve("member"), HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/s", WatchMode.ZNODE, 0).build());
            c.await(1, WatchResponse::getCreated, AWAIT);
            h.store.restore(snapshot, 3); // what raft does for a member too far behind
            c.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == 3, AWAIT);
            assertEquals(List.of(1L, 2L, 3L), c.events(1).stream().map(WatchEvent::getRevision).toList(),
                    "the revisions the snapshot skipped come from its history, in order");
        }
    }

    @Test
    void sessionExpiryIsOneRevisionOfDeletedEphemerals() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        long session = ((io.kvstore.api.v1.SessionOpenResponse) ((io.kvstore.store.WriteResult.Success) h.apply(
                Command.newBuilder().setOpenSession(io.kvstore.api.v1.SessionOpenRequest.newBuilder()
                        .setTtlMillis(5_000)).build())).response()).getSessionId();
        assertEquals(0, h.store.revision(), "opening a session is no revision");
        h.apply(put("/e/persistent", "p"));
        for (String name : List.of("x", "y")) {
            h.apply(Command.newBuilder().setCreate(CreateRequest.newBuilder().setPath("/e/" + name)
                    .setValue(bytes(name)).setSessionId(session)).build());
        }
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/e", WatchMode.CHILDREN, 1).setPrevValue(true).build());
            h.apply(Command.newBuilder().setExpireSessions(io.kvstore.store.command.ExpireSessions.newBuilder()
                    .addSessionId(session)).build());
            WatchResponse expired = c.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == 4, AWAIT);
            assertEquals(List.of("/e/x", "/e/y"),
                    expired.getEvents().getEventsList().stream().map(WatchEvent::getPath).toList());
            assertTrue(expired.getEvents().getEventsList().stream()
                    .allMatch(e -> e.getType() == EventType.DELETED && e.getPrevStat().getEphemeralSessionId()
                            == session));
        }
    }

    @Test
    void historyIsTrimmedByAge() {
        h = new WatchHarness(dir, new HistoryBounds(1_000, Duration.ofMinutes(1)), Duration.ofSeconds(10));
        h.apply(put("/k", "old"));
        h.clockMillis.addAndGet(Duration.ofMinutes(2).toMillis());
        h.apply(put("/k", "new"));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/k", WatchMode.ZNODE, 1).build());
            WatchResponse r = c.await(1, WatchResponse::hasCanceled, AWAIT);
            assertEquals(ErrorCode.COMPACTED.name(), r.getCanceled().getReason());
            assertEquals(2, r.getCanceled().getCompactRevision());
        }
    }

    @Test
    void slowWatcherIsCancelledWhileOthersAndWritesProceed() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        String big = "x".repeat(8 << 10);
        try (WatchClient slow = new WatchClient(h.channel); WatchClient fast = new WatchClient(h.channel)) {
            slow.create(watch(1, "/hot", WatchMode.SUBTREE, 0).build());
            fast.create(watch(1, "/hot", WatchMode.SUBTREE, 0).build());
            slow.await(1, WatchResponse::getCreated, AWAIT);
            fast.await(1, WatchResponse::getCreated, AWAIT);
            slow.pauseReading();
            int writes = 2_000; // 16 MiB: past the 4 MiB stream queue plus what gRPC and the sockets buffer
            for (int i = 1; i <= writes; i++) {
                h.apply(put("/hot/k" + (i % 10), big + i)); // the apply thread never waits for the slow one
                if (i % 100 == 0) {
                    // Pace the writer to the reading watcher (800 KiB per step, well inside its 4 MiB queue).
                    long now = h.store.revision();
                    fast.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == now, AWAIT);
                }
            }
            long last = h.store.revision();
            assertTrue(fast.responses(1).stream().noneMatch(WatchResponse::hasCanceled), "the reader kept up");
            slow.resumeReading();
            WatchResponse cancelled = slow.await(1, WatchResponse::hasCanceled, AWAIT);
            assertEquals(ErrorCode.SLOW_WATCHER.name(), cancelled.getCanceled().getReason());
            long lastRevision = cancelled.getCanceled().getLastRevision();
            List<WatchEvent> got = slow.events(1);
            assertEquals(lastRevision, got.get(got.size() - 1).getRevision(), "last_revision is the last one sent");
            assertTrue(lastRevision < last);

            // Resuming from last_revision + 1 catches up from history, without gap or duplicate.
            slow.create(watch(2, "/hot", WatchMode.SUBTREE, lastRevision + 1).build());
            slow.await(2, r -> r.hasEvents() && r.getHeader().getRevision() == last, AWAIT);
            List<Long> revisions = new java.util.ArrayList<>();
            slow.events(1).forEach(e -> revisions.add(e.getRevision()));
            slow.events(2).forEach(e -> revisions.add(e.getRevision()));
            assertEquals(java.util.stream.LongStream.rangeClosed(1, last).boxed().toList(),
                    revisions.stream().distinct().toList(), "every revision, in order");
            assertEquals(last + 1, revisions.size(), "each event once (revision 1 also created /hot)");
        }
    }

    @Test
    void idleWatchGetsProgressNotifications() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofMillis(50));
        h.apply(put("/other", "1"));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/quiet", WatchMode.SUBTREE, 0).setProgressNotify(true).build());
            c.create(watch(2, "/quiet2", WatchMode.SUBTREE, 0).build());
            c.await(1, r -> r.getProgress() && r.getHeader().getRevision() == 1, AWAIT);
            h.apply(put("/other", "2"));
            c.await(1, r -> r.getProgress() && r.getHeader().getRevision() == 2, AWAIT);
            assertTrue(c.responses(2).stream().noneMatch(WatchResponse::getProgress), "only when asked for");
        }
    }

    @Test
    void badInputCancelsTheWatchAndTheStreamGoesOn() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "no-slash", WatchMode.ZNODE, 0).build());
            assertEquals(ErrorCode.INVALID_PATH.name(),
                    c.await(1, WatchResponse::hasCanceled, AWAIT).getCanceled().getReason());
            c.create(watch(2, "/a", WatchMode.ZNODE, 5_000_000).build());
            assertEquals(ErrorCode.INVALID_ARGUMENT.name(),
                    c.await(2, WatchResponse::hasCanceled, AWAIT).getCanceled().getReason());
            c.create(watch(0, "/a", WatchMode.ZNODE, 0).build());
            assertEquals(ErrorCode.INVALID_ARGUMENT.name(),
                    c.await(0, WatchResponse::hasCanceled, AWAIT).getCanceled().getReason());
            for (long id = 10; id < 10 + WatchLimits.WATCHES_PER_STREAM_MAX; id++) {
                c.create(watch(id, "/a", WatchMode.ZNODE, 0).build());
            }
            c.create(watch(5, "/a", WatchMode.ZNODE, 0).build());
            WatchResponse tooMany = c.await(5, WatchResponse::hasCanceled, AWAIT);
            assertEquals(ErrorCode.TOO_MANY_WATCHES.name(), tooMany.getCanceled().getReason());
            c.create(watch(10, "/a", WatchMode.ZNODE, 0).build());
            c.cancel(11);
            c.await(11, WatchResponse::hasCanceled, AWAIT);

            // A future start revision (within bounds) waits for it; the stream still serves its watches.
            c.create(watch(11, "/a", WatchMode.ZNODE, 3).build());
            h.apply(put("/a", "1"));
            h.apply(put("/a", "2"));
            h.apply(put("/a", "3"));
            WatchResponse first = c.await(11, WatchResponse::hasEvents, AWAIT);
            assertEquals(3, first.getHeader().getRevision(), "events before the start revision are not sent");
        }
    }

    @Test
    void txnAndRecursiveDeleteAreOneResponseEachDeepestDeletedFirst() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        h.apply(put("/t/a/b", "1"));
        h.apply(put("/t/c", "2"));
        try (WatchClient c = new WatchClient(h.channel)) {
            c.create(watch(1, "/t", WatchMode.SUBTREE, 1).setPrevValue(true).build());
            h.apply(Command.newBuilder().setDelete(DeleteRequest.newBuilder().setPath("/t").setRecursive(true))
                    .build());
            WatchResponse deleted = c.await(1, r -> r.hasEvents() && r.getHeader().getRevision() == 3, AWAIT);
            assertEquals(List.of("/t/a/b", "/t/a", "/t/c", "/t"),
                    deleted.getEvents().getEventsList().stream().map(WatchEvent::getPath).toList());
            assertTrue(deleted.getEvents().getEventsList().stream().allMatch(e -> e.getType() == EventType.DELETED));
            assertEquals(bytes("1"), deleted.getEvents().getEvents(0).getPrevValue());
            WatchResponse created = c.responses(1).stream().filter(WatchResponse::hasEvents).findFirst().get();
            assertEquals(List.of("/t", "/t/a", "/t/a/b"),
                    created.getEvents().getEventsList().stream().map(WatchEvent::getPath).toList(),
                    "make_parents creates shallowest first, in one revision");
        }
        assertEquals(3, h.store.revision());
        assertTrue(h.apply(Command.newBuilder().setCreate(CreateRequest.newBuilder().setPath("/t/x")).build())
                instanceof io.kvstore.store.Failure, "parent gone");
    }
}
