package io.kvstore.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.client.KvUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LanesTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static long inSeconds(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void sequencesStartAtOneAndIncreasePerLane() throws Exception {
        Lanes lanes = new Lanes(2, 10, timer);
        Lanes.Lane a = lanes.acquire(inSeconds(1)).get();
        Lanes.Lane b = lanes.acquire(inSeconds(1)).get();
        assertNotEquals(a.clientId(), b.clientId());
        assertEquals(1, a.nextHeader().getSequence());
        assertEquals(2, a.nextHeader().getSequence());
        assertEquals(1, b.nextHeader().getSequence());
    }

    @Test
    void releasedLaneIsReusedLastInFirstOut() throws Exception {
        Lanes lanes = new Lanes(4, 10, timer);
        Lanes.Lane first = lanes.acquire(inSeconds(1)).get();
        lanes.release(first);
        assertSame(first, lanes.acquire(inSeconds(1)).get());
    }

    @Test
    void waiterGetsTheReleasedLaneInOrder() throws Exception {
        Lanes lanes = new Lanes(1, 10, timer);
        Lanes.Lane only = lanes.acquire(inSeconds(1)).get();
        CompletableFuture<Lanes.Lane> second = lanes.acquire(inSeconds(5));
        CompletableFuture<Lanes.Lane> third = lanes.acquire(inSeconds(5));
        assertFalse(second.isDone());
        lanes.release(only);
        assertSame(only, second.get(1, TimeUnit.SECONDS));
        assertFalse(third.isDone(), "one write per lane");
        lanes.release(only);
        assertSame(only, third.get(1, TimeUnit.SECONDS));
    }

    @Test
    void waitEndsAtTheDeadline() throws Exception {
        Lanes lanes = new Lanes(1, 10, timer);
        Lanes.Lane only = lanes.acquire(inSeconds(1)).get();
        CompletableFuture<Lanes.Lane> waiting = lanes.acquire(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertInstanceOf(KvUnavailableException.class, e.getCause());
        lanes.release(only);
        assertTrue(lanes.acquire(inSeconds(1)).isDone(), "the expired waiter did not take the lane");
    }

    @Test
    void doubleReleaseIsABug() throws Exception {
        Lanes lanes = new Lanes(1, 10, timer);
        Lanes.Lane only = lanes.acquire(inSeconds(1)).get();
        lanes.release(only);
        assertThrows(IllegalStateException.class, () -> lanes.release(only));
    }
}
