package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Ephemeral histories by hand, on a clock the test moves: TTL 3 s, grace 2 s, so a killed key must go within 5 s. */
class EphemeralCheckerTest {
    private static final long S = 1_000_000_000L;
    private final long[] clock = {0};
    private final HistoryRecorder rec = new HistoryRecorder(() -> clock[0]);
    private final EphemeralChecker checker = new EphemeralChecker(Duration.ofSeconds(3), Duration.ofSeconds(2));

    private void at(double seconds) {
        clock[0] = (long) (seconds * S);
    }

    private void open(long client) {
        rec.invoke(1, Fn.OPEN, "/e/h" + client, client);
        rec.ok(1);
    }

    private void kill(long client) {
        rec.invoke(2, Fn.KILL_CLIENT, "/e/h" + client, client);
        rec.ok(2);
    }

    private void read(long... present) {
        rec.invoke(3, Fn.READ_EPHEMERAL, "/e");
        rec.ok(3, present);
    }

    @Test
    void killedKeyGoneInTimeAndHealthyKeysKeptIsTrue() {
        open(1);
        open(2);
        read(1, 2);
        at(1);
        kill(1);
        at(3);
        read(1, 2);
        at(4.5);
        read(2);
        at(7);
        read(2);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.TRUE, o.valid(), o.explanation());
        assertTrue(o.details().contains("gone after [3500] ms"), o.details());
    }

    @Test
    void killedKeyStillThereAfterTtlPlusGraceIsFalse() {
        open(1);
        open(2);
        kill(1);
        at(6);
        read(1, 2);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("killed (kill -9)"), o.explanation());
    }

    @Test
    void healthyKeyMissingIsFalse() {
        open(1);
        open(2);
        at(2);
        read(1);
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("healthy client 2"), o.explanation());
    }

    @Test
    void killedKeyComingBackIsFalse() {
        open(1);
        kill(1);
        at(1);
        read();
        at(2);
        read(1);
        at(9);
        read();
        Outcome o = checker.check(rec.history());
        assertEquals(Validity.FALSE, o.valid());
        assertTrue(o.explanation().contains("came back"), o.explanation());
    }

    @Test
    void noReadAfterTheDeadlineIsUnknown() {
        open(1);
        kill(1);
        at(2);
        read();
        assertEquals(Validity.UNKNOWN, checker.check(rec.history()).valid());
    }
}
