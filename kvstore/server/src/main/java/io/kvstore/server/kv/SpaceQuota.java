package io.kvstore.server.kv;

import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.command.Command;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The space quota and its NO_SPACE alarm, checked before a write is proposed (docs/security.md, "Limits and quotas").
 *
 * <p>A write that adds data (create, put, a txn with creates or puts) is refused with RESOURCE_EXHAUSTED/NO_SPACE when
 * the tree ({@link KvStateMachine#treeBytes()}) plus the write's estimated growth would exceed the quota; that raises
 * the alarm. While the alarm is raised every such write is refused, also a small one that would fit, so the cluster
 * is visibly "full" rather than flapping at the edge. Deletes, txns of only deletes and compares, session operations
 * and reads are never refused. The alarm clears by itself once deletes bring the tree to {@link #CLEAR_PERCENT}% of
 * the quota or below.
 *
 * <p>The check runs on the member that proposes (the leader, or whichever member serves the write), against the
 * replicated tree size as that member has applied it. It is not re-checked when the entry is applied: members must
 * apply the same log alike whatever their quotas, so the quota is soft by the writes already in flight (etcd's is
 * too). The alarm is that member's state, not replicated; a new leader re-raises it on its first refused write.
 * Thread-safe.
 */
public final class SpaceQuota {

    /** The alarm clears at or below this share of the quota: 5% of room before writes are accepted again. */
    static final int CLEAR_PERCENT = 95;

    private static final Logger log = LoggerFactory.getLogger(SpaceQuota.class);

    private final String member;
    private final long quotaBytes;
    private final LongSupplier treeBytes;
    private boolean alarm;

    /** @param treeBytes the current tree size, normally {@link KvStateMachine#treeBytes()} */
    public SpaceQuota(String member, long quotaBytes, LongSupplier treeBytes) {
        if (quotaBytes < 1) {
            throw new IllegalArgumentException("quotaBytes must be positive: " + quotaBytes);
        }
        this.member = member;
        this.quotaBytes = quotaBytes;
        this.treeBytes = treeBytes;
    }

    /** No failure when {@code command} may be proposed; NO_SPACE when it adds data and the store is full. */
    public Optional<Failure> check(Command command) {
        long growth = growthBytes(command);
        if (growth == 0) {
            return Optional.empty();
        }
        long used = treeBytes.getAsLong();
        synchronized (this) {
            if (alarm && used > clearMarkBytes()) {
                return Optional.of(noSpace(used, growth));
            }
            if (alarm) {
                alarm = false;
                log.info("member {} cleared the NO_SPACE alarm: the store holds {} bytes of its {} byte quota",
                        member, used, quotaBytes);
            }
            if (used + growth > quotaBytes) {
                alarm = true;
                log.warn("member {} raised the NO_SPACE alarm: the store holds {} bytes and a write of about {} more "
                        + "would pass its {} byte quota (--quota-backend-bytes); writes that add data are refused "
                        + "until deletes bring it to {} bytes", member, used, growth, quotaBytes, clearMarkBytes());
                return Optional.of(noSpace(used, growth));
            }
        }
        return Optional.empty();
    }

    /** Whether the alarm is raised (cleared first if the tree is already back under the clear mark). */
    public synchronized boolean alarmed() {
        if (alarm && treeBytes.getAsLong() <= clearMarkBytes()) {
            alarm = false;
            log.info("member {} cleared the NO_SPACE alarm", member);
        }
        return alarm;
    }

    private long clearMarkBytes() {
        return quotaBytes / 100 * CLEAR_PERCENT;
    }

    private Failure noSpace(long used, long growth) {
        return Failure.of(ErrorCode.NO_SPACE, "member " + member + ": the store holds " + used + " bytes; a write of "
                + "about " + growth + " more would pass its space quota of " + quotaBytes + " bytes. Reads and deletes "
                + "work; delete data until it holds at most " + clearMarkBytes() + " bytes, or raise "
                + "--quota-backend-bytes");
    }

    /** An upper estimate of how much {@code command} grows the tree; 0 when it can only shrink it. */
    static long growthBytes(Command command) {
        return switch (command.getOpCase()) {
            case CREATE -> estimate(command.getCreate().getPath(), command.getCreate().getValue().size());
            case PUT -> estimate(command.getPut().getPath(), command.getPut().getValue().size());
            case TXN -> growthBytes(command.getTxn().getSuccessList()) + growthBytes(command.getTxn().getFailureList());
            default -> 0;
        };
    }

    private static long growthBytes(List<TxnOp> ops) {
        long total = 0;
        for (TxnOp op : ops) {
            total += switch (op.getOpCase()) {
                case CREATE -> estimate(op.getCreate().getPath(), op.getCreate().getValue().size());
                case PUT -> estimate(op.getPut().getPath(), op.getPut().getValue().size());
                default -> 0;
            };
        }
        return total;
    }

    private static long estimate(String path, int valueBytes) {
        // UTF-8 is at most 3 bytes per UTF-16 char for paths; length() * 3 would over-count ASCII tripled.
        return KvStateMachine.znodeBytesEstimate(path.length(), valueBytes);
    }
}
