package io.kvstore.jepsen.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryTest {
    private final AtomicLong clock = new AtomicLong();
    private final HistoryRecorder rec = new HistoryRecorder(() -> clock.addAndGet(1_000));

    @Test
    void pairsInvocationsWithCompletionsAndTreatsMissingAsIndeterminate() {
        rec.invoke(0, Fn.WRITE, "k", 1);
        rec.invoke(1, Fn.READ, "k");
        rec.ok(1, 1);
        rec.invoke(2, Fn.CAS, "k", 1, 2);
        rec.fail(2, "mismatch");
        rec.ok(0);
        rec.invoke(3, Fn.WRITE, "k", 3);
        rec.info(3, "timeout");
        rec.invoke(4, Fn.WRITE, "k", 4); // never completes
        History h = rec.history();

        List<Call> calls = h.calls();
        assertEquals(5, calls.size());
        assertEquals(OpType.OK, calls.get(0).outcome());
        assertEquals(5, calls.get(0).completeIndex());
        assertEquals(List.of(1L), calls.get(1).completion().value());
        assertEquals(OpType.FAIL, calls.get(2).outcome());
        assertTrue(calls.get(3).isIndeterminate());
        assertEquals(Long.MAX_VALUE, calls.get(3).completeIndex());
        assertNull(calls.get(4).completion());
        assertEquals(OpType.INFO, calls.get(4).outcome());
        assertEquals(Long.MAX_VALUE, calls.get(4).completeNanos());
    }

    @Test
    void jsonLinesRoundTrip() throws IOException {
        rec.invoke(0, Fn.CAS, "k \"quoted\"\n", 4, 5);
        rec.ok(0);
        rec.invoke(1, Fn.READ, "k");
        rec.ok(1); // absent
        rec.invoke(2, Fn.ADD, "set", -7);
        rec.info(2, "timeout");
        History h = rec.history();

        StringWriter out = new StringWriter();
        h.writeJsonLines(out);
        String text = out.toString();
        assertEquals("{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k \\\"quoted\\\"\\n\","
                + "\"value\":[4,5],\"time\":1000}", text.lines().findFirst().orElseThrow());
        assertEquals(h, History.readJsonLines(new StringReader(text)));
    }

    @Test
    void readsFieldsInAnyOrderAndJepsenScalarValues() throws IOException {
        String lines = """
                { "type": "invoke", "index": 0, "f": "write", "process": 2, "key": "x", "value": 3 }

                {"index":1,"process":2,"type":"ok","f":"write","key":"x","value":[3],"time":5,"error":null}
                """;
        History h = History.readJsonLines(new StringReader(lines));
        assertEquals(List.of(3L), h.ops().get(0).value());
        assertEquals(5, h.ops().get(1).timeNanos());
    }

    @Test
    void rejectsMalformedLinesWithTheirLineNumber() {
        String lines = "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\",\"value\":[]}\n"
                + "{\"index\":1,\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"key\":\"x\",\"valu\":[1]}\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> History.readJsonLines(new StringReader(lines)));
        assertTrue(e.getMessage().startsWith("line 2: unknown field \"valu\""), e.getMessage());
    }

    @Test
    void rejectsInconsistentHistories() {
        Op invoke = new Op(0, 1, OpType.INVOKE, Fn.WRITE, "k", List.of(1L), 0, null);
        Op wrongKey = new Op(1, 1, OpType.OK, Fn.WRITE, "j", List.of(1L), 0, null);
        Op orphan = new Op(1, 2, OpType.OK, Fn.WRITE, "k", List.of(1L), 0, null);
        Op secondInvoke = new Op(1, 1, OpType.INVOKE, Fn.READ, "k", List.of(), 0, null);
        assertThrows(IllegalArgumentException.class, () -> History.of(List.of(invoke, wrongKey)));
        assertThrows(IllegalArgumentException.class, () -> History.of(List.of(invoke, orphan)));
        assertThrows(IllegalArgumentException.class, () -> History.of(List.of(invoke, secondInvoke)));
        assertThrows(IllegalArgumentException.class, () -> History.of(List.of(invoke.withIndex(3))));
        assertThrows(IllegalStateException.class, () -> rec.ok(9));
    }
}
