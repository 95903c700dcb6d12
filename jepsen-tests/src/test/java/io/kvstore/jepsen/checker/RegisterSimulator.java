package io.kvstore.jepsen.checker;

import io.kvstore.jepsen.history.Fn;
import io.kvstore.jepsen.history.History;
import io.kvstore.jepsen.history.HistoryRecorder;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A seeded simulation of clients talking to one linearizable register per key: each operation is invoked, takes
 * effect atomically at a random later instant, and its response arrives a random time after that. Some
 * operations crash: the client records INFO (the effect happened or not, decided by a coin) and continues as a
 * fresh process, as Jepsen does. A cas whose expected value does not match records FAIL. The result is
 * linearizable by construction.
 */
final class RegisterSimulator {
    /**
     * @param clients concurrent clients
     * @param keys registers, named k0, k1, ...
     * @param calls operations in total
     * @param crashPercent chance that an operation ends INFO
     * @param uniqueValues every write and cas writes a fresh value when true; values from 1..4 when false
     */
    record Config(int clients, int keys, int calls, int crashPercent, boolean uniqueValues) {}

    private record Event(long timeNanos, long seq, int client, boolean isEffect) {}

    private enum Kind { READ, WRITE, CAS }

    private static final class InFlight {
        int process;
        Kind kind;
        String key;
        long arg0;
        long arg1;
        boolean crash;
        boolean applied;
        Long result;
    }

    static History generate(Config config, long seed) {
        Random random = new Random(seed);
        long[] now = {0};
        HistoryRecorder rec = new HistoryRecorder(() -> now[0]);
        Map<String, Long> registers = new HashMap<>();
        PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.timeNanos != b.timeNanos
                ? Long.compare(a.timeNanos, b.timeNanos) : Long.compare(a.seq, b.seq));
        InFlight[] clients = new InFlight[config.clients()];
        long seq = 0;
        long nextValue = 1;
        int nextProcess = config.clients();
        int invoked = 0;
        for (int c = 0; c < config.clients(); c++) {
            clients[c] = new InFlight();
            clients[c].process = c;
            queue.add(new Event(random.nextInt(1000), seq++, c, false));
            clients[c].kind = null; // idle: the first event invokes
        }
        while (!queue.isEmpty()) {
            Event e = queue.poll();
            now[0] = e.timeNanos;
            InFlight op = clients[e.client];
            if (e.isEffect) {
                // The linearization point.
                Long current = registers.get(op.key);
                op.applied = !op.crash || random.nextBoolean();
                switch (op.kind) {
                    case READ -> op.result = current;
                    case WRITE -> {
                        if (op.applied) {
                            registers.put(op.key, op.arg0);
                        }
                    }
                    case CAS -> {
                        op.applied &= current != null && current == op.arg0;
                        if (op.applied) {
                            registers.put(op.key, op.arg1);
                        }
                    }
                }
                queue.add(new Event(now[0] + 1 + random.nextInt(2_000), seq++, e.client, false));
                continue;
            }
            if (op.kind != null) {
                // The response.
                if (op.crash) {
                    rec.info(op.process, "timeout");
                    op.process = nextProcess++;
                } else if (op.kind == Kind.READ) {
                    if (op.result == null) {
                        rec.ok(op.process);
                    } else {
                        rec.ok(op.process, op.result);
                    }
                } else if (op.kind == Kind.CAS && !op.applied) {
                    rec.fail(op.process, "mismatch");
                } else {
                    rec.ok(op.process);
                }
                op.kind = null;
                if (invoked >= config.calls()) {
                    continue;
                }
                queue.add(new Event(now[0] + random.nextInt(500), seq++, e.client, false));
                continue;
            }
            if (invoked >= config.calls()) {
                continue;
            }
            // Invoke the next operation.
            invoked++;
            op.key = "k" + random.nextInt(config.keys());
            int dice = random.nextInt(10);
            op.kind = dice < 5 ? Kind.READ : dice < 8 ? Kind.WRITE : Kind.CAS;
            op.crash = random.nextInt(100) < config.crashPercent();
            long fresh = config.uniqueValues() ? nextValue++ : 1 + random.nextInt(4);
            switch (op.kind) {
                case READ -> rec.invoke(op.process, Fn.READ, op.key);
                case WRITE -> {
                    op.arg0 = fresh;
                    rec.invoke(op.process, Fn.WRITE, op.key, op.arg0);
                }
                case CAS -> {
                    Long current = registers.get(op.key);
                    // Mostly expect the current value, so that many cas calls succeed.
                    op.arg0 = current != null && random.nextInt(4) > 0 ? current : 1 + random.nextInt(4);
                    op.arg1 = fresh;
                    rec.invoke(op.process, Fn.CAS, op.key, op.arg0, op.arg1);
                }
            }
            queue.add(new Event(now[0] + 1 + random.nextInt(2_000), seq++, e.client, true));
        }
        return rec.history();
    }

    private RegisterSimulator() {}
}
