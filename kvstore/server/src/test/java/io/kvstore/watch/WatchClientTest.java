package io.kvstore.watch;

import static io.kvstore.watch.WatchHarness.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.WatchEvent;
import io.kvstore.client.WatchListener;
import io.kvstore.client.WatchOptions;
import io.kvstore.client.Watcher;
import io.kvstore.server.testing.Awaiting;
import io.kvstore.store.HistoryBounds;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KvClient watches against the Watch service alone: the final outcomes, and the client's own resume points. */
class WatchClientTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private WatchHarness h;

    @AfterEach
    void stop() throws InterruptedException {
        h.close();
    }

    private KvClient client() {
        return KvClient.builder().endpoints("127.0.0.1:" + h.channel.authority().split(":")[1]).build();
    }

    private static Command put(String path, String value) {
        return Command.newBuilder().setPut(PutRequest.newBuilder().setPath(path).setValue(bytes(value))).build();
    }

    /** Records every callback. */
    private static final class Recorder implements WatchListener {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        final AtomicLong compacted = new AtomicLong();
        final AtomicReference<KvException> error = new AtomicReference<>();
        final AtomicLong progress = new AtomicLong();

        @Override
        public void onEvents(List<WatchEvent> batch) {
            events.addAll(batch);
        }

        @Override
        public void onProgress(long revision) {
            progress.set(revision);
        }

        @Override
        public void onCompacted(long oldestRevision) {
            compacted.set(oldestRevision);
        }

        @Override
        public void onError(KvException e) {
            error.set(e);
        }
    }

    @Test
    void compactedStartEndsTheWatcherWithOnCompacted() {
        h = new WatchHarness(dir, new HistoryBounds(3, Duration.ofHours(1)), Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            h.apply(put("/k", "v" + i));
        }
        Recorder r = new Recorder();
        try (KvClient kv = client();
             Watcher w = kv.watch("/k", WatchOptions.DEFAULT.withStartRevision(2), r)) {
            Awaiting.until(() -> r.compacted.get() == 8, AWAIT, () -> "compacted: " + r.compacted);
            Awaiting.until(() -> w.state() == Watcher.State.CLOSED, AWAIT, () -> "closed");
        }
    }

    @Test
    void malformedPathEndsTheWatcherWithOnError() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofSeconds(10));
        Recorder r = new Recorder();
        try (KvClient kv = client(); Watcher w = kv.watch("/bad//path", WatchOptions.DEFAULT, r)) {
            Awaiting.until(() -> r.error.get() != null, AWAIT, () -> "error");
            assertEquals(ErrorCode.INVALID_PATH, r.error.get().reason().orElseThrow());
            Awaiting.until(() -> w.state() == Watcher.State.CLOSED, AWAIT, () -> "closed");
        }
    }

    @Test
    void progressAdvancesTheResumePointOfAnIdleWatch() {
        h = new WatchHarness(dir, HistoryBounds.DEFAULT, Duration.ofMillis(50));
        Recorder r = new Recorder();
        try (KvClient kv = client();
             Watcher w = kv.watch("/quiet", WatchOptions.DEFAULT.withProgressNotify(), r)) {
            Awaiting.until(() -> w.state() == Watcher.State.CONNECTED, AWAIT, () -> "connected");
            h.apply(put("/elsewhere", "1"));
            Awaiting.until(() -> r.progress.get() == 1 && w.lastRevision() == 1, AWAIT, () -> "progress " + r.progress);
            h.apply(put("/quiet", "q"));
            Awaiting.until(() -> r.events.size() == 1, AWAIT, () -> "event");
            assertEquals(2, r.events.get(0).revision());
        }
    }
}
