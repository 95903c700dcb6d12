package io.kvstore.jepsen.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.kvstore.jepsen.history.History;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Small histories from the literature and from Jepsen/Knossos folklore, with the verdict each must get. Every
 * one runs twice: with the unique-values fast path, and with the full search alone.
 */
class ClassicHistoriesTest {
    static Stream<Arguments> histories() {
        return Stream.of(
                row("sequential write then read sees it", Validity.TRUE, """
                        0 write 1
                        0 ok
                        1 read
                        1 ok 1
                        """),
                row("stale read: read after a completed write returns the initial value", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 read
                        1 ok
                        """),
                row("read concurrent with a write may see the old value", Validity.TRUE, """
                        0 write 1
                        1 read
                        1 ok
                        0 ok
                        """),
                row("read concurrent with a write may see the new value", Validity.TRUE, """
                        0 write 1
                        1 read
                        1 ok 1
                        0 ok
                        """),
                row("two reads during one write: new then old is not allowed", Validity.FALSE, """
                        0 write 1
                        1 read
                        1 ok 1
                        2 read
                        2 ok
                        0 ok
                        """),
                row("two reads during one write: old then new is fine", Validity.TRUE, """
                        0 write 1
                        1 read
                        1 ok
                        2 read
                        2 ok 1
                        0 ok
                        """),
                row("overlapping reads during a write may disagree", Validity.TRUE, """
                        0 write 1
                        1 read
                        2 read
                        1 ok 1
                        2 ok
                        0 ok
                        """),
                row("read of a value never written", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 read
                        1 ok 7
                        """),
                row("read returns a value before its write was invoked", Validity.FALSE, """
                        1 read
                        1 ok 1
                        0 write 1
                        0 ok
                        """),
                row("cas succeeds from the written value", Validity.TRUE, """
                        0 write 1
                        0 ok
                        1 cas 1 2
                        1 ok
                        2 read
                        2 ok 2
                        """),
                row("cas succeeded but a later read sees the old value", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 cas 1 2
                        1 ok
                        2 read
                        2 ok 1
                        """),
                row("two concurrent cas from the same value cannot both succeed", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 cas 1 2
                        2 cas 1 3
                        1 ok
                        2 ok
                        """),
                row("failed cas is ignored", Validity.TRUE, """
                        0 write 1
                        0 ok
                        1 cas 5 2
                        1 fail
                        2 read
                        2 ok 1
                        """),
                row("indeterminate write that becomes visible later", Validity.TRUE, """
                        0 write 1
                        0 info
                        1 read
                        1 ok
                        2 read
                        2 ok 1
                        3 read
                        3 ok 1
                        """),
                row("indeterminate write that never becomes visible", Validity.TRUE, """
                        0 write 1
                        0 info
                        1 read
                        1 ok
                        """),
                row("indeterminate write visible, then not: it cannot be undone", Validity.FALSE, """
                        0 write 1
                        0 info
                        1 read
                        1 ok 1
                        2 read
                        2 ok
                        """),
                row("write still pending at the end may take effect", Validity.TRUE, """
                        0 write 1
                        1 read
                        1 ok
                        2 read
                        2 ok 1
                        """),
                row("failed write that becomes visible", Validity.FALSE, """
                        0 write 1
                        0 fail
                        1 read
                        1 ok 1
                        """),
                row("indeterminate cas applies only from its expected value", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 cas 3 2
                        1 info
                        2 read
                        2 ok 2
                        """),
                row("repeated values: write 1, write 2, write 1 again, reads follow", Validity.TRUE, """
                        0 write 1
                        0 ok
                        1 write 2
                        1 ok
                        2 read
                        2 ok 2
                        0 write 1
                        0 ok
                        2 read
                        2 ok 1
                        """),
                row("repeated values: a read cannot go back to 2", Validity.FALSE, """
                        0 write 1
                        0 ok
                        1 write 2
                        1 ok
                        0 write 1
                        0 ok
                        2 read
                        2 ok 1
                        2 read
                        2 ok 2
                        """),
                row("keys are independent: each key alone is fine", Validity.TRUE, """
                        x: 0 write 1
                        y: 1 write 1
                        x: 0 ok
                        y: 1 ok
                        y: 2 read
                        y: 2 ok 1
                        x: 3 read
                        x: 3 ok 1
                        """),
                row("keys are independent: a stale read on y fails the history", Validity.FALSE, """
                        x: 0 write 1
                        x: 0 ok
                        y: 1 write 2
                        y: 1 ok
                        y: 2 read
                        y: 2 ok
                        """));
    }

    private static Arguments row(String name, Validity expected, String transcript) {
        return Arguments.of(name, expected, transcript);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("histories")
    void verdict(String name, Validity expected, String transcript) {
        History h = Script.parse(transcript);
        for (boolean fastPath : new boolean[] {true, false}) {
            LinearizabilityChecker checker = new LinearizabilityChecker(
                    LinearizabilityChecker.Options.defaults().withTimeBudget(Duration.ofSeconds(10)), System::nanoTime,
                    fastPath);
            CheckResult r = checker.check(h);
            assertEquals(expected, r.valid(), name + " (fast path " + fastPath + "): " + r.explanation());
            if (expected == Validity.FALSE) {
                assertNotNull(r.counterexample());
                assertEquals(Validity.FALSE, checker.check(r.counterexample()).valid(),
                        "the counterexample alone must fail: " + r.counterexample().ops());
                System.out.println(name + " (fast path " + fastPath + "):\n  " + r.explanation());
            }
        }
    }
}
