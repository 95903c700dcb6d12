package io.kvstore.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.LockWaiter;
import java.util.List;
import java.util.Optional;

/**
 * The rule that decides who holds a lock: part of the replicated semantics, because the state machine applies it to
 * check fenced writes ({@link CommandExecutor}) and the lock and election services apply it to decide grants. Both
 * must agree, so there is exactly one rule, here. Pure and thread-safe.
 *
 * <p>A lock's waiters are the children of its directory, sequential znodes named {@link #WAITER_PREFIX} + 19
 * digits, so their names sort in creation order. Each stores a {@link LockWaiter} (mode, permits, owner); a child
 * whose value is not one (written by hand) counts as an exclusive mutex waiter. Waiter {@code i} holds when every
 * waiter before it has its mode and permits and fewer than its permits precede it (SHARED: unbounded). Holders are
 * therefore always a prefix of the queue, and an exclusive mutex holder is always alone.
 */
public final class LockQueue {

    /** Directory of all locks: lock NAME lives at {@code /_locks/NAME}. */
    public static final String LOCKS_ROOT = "/_locks";
    /** Directory of all elections: election NAME lives at {@code /_elections/NAME}. */
    public static final String ELECTIONS_ROOT = "/_elections";
    /** Name prefix of waiter znodes, before the sequential suffix. */
    public static final String WAITER_PREFIX = "w-";
    /** Most holders of a counting semaphore; a semaphore wider than this is not a lock any more. */
    public static final int PERMITS_MAX = 10_000;
    /** Waiters read to check a fence: a token behind more waiters than this cannot hold (PERMITS_MAX). */
    public static final int WAITERS_READ_MAX = 10_000;
    /** Most bytes of a waiter's owner description or an election value. */
    public static final int OWNER_BYTES_MAX = 4096;
    /** Longest lock or election name, in bytes. */
    public static final int NAME_BYTES_MAX = 255;

    private LockQueue() {
    }

    /**
     * One waiter as the rule sees it.
     *
     * @param name the znode's name in the lock directory
     * @param createRevision its create_revision: the fencing token of its grant
     * @param mode EXCLUSIVE or SHARED (never unspecified)
     * @param permits for EXCLUSIVE, holders allowed at once (>= 1); 0 for SHARED
     * @param sessionId the owning session, 0 for a persistent znode
     */
    public record Waiter(String name, long createRevision, LockMode mode, int permits, long sessionId) {
    }

    /** Builds the rule's view of a waiter znode from its stored value. */
    public static Waiter waiter(String name, long createRevision, ByteString data, long sessionId) {
        LockWaiter value = parse(data);
        LockMode mode = value.getMode() == LockMode.SHARED ? LockMode.SHARED : LockMode.EXCLUSIVE;
        int permits = mode == LockMode.SHARED ? 0 : Math.max(1, value.getPermits());
        return new Waiter(name, createRevision, mode, permits, sessionId);
    }

    /** The stored value as a {@link LockWaiter}; a value that is not one reads as an exclusive mutex waiter. */
    public static LockWaiter parse(ByteString data) {
        try {
            return LockWaiter.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            return LockWaiter.newBuilder().setMode(LockMode.EXCLUSIVE).setPermits(1).build();
        }
    }

    /** Whether waiter {@code i} of {@code ordered} (creation order) holds the lock. */
    public static boolean holds(List<Waiter> ordered, int i) {
        Waiter w = ordered.get(i);
        for (int j = 0; j < i; j++) {
            Waiter before = ordered.get(j);
            if (before.mode() != w.mode() || before.permits() != w.permits()) {
                return false;
            }
        }
        return w.mode() == LockMode.SHARED || i < w.permits();
    }

    /** How many waiters at the head of the queue hold the lock (holders are a prefix). */
    public static int holderCount(List<Waiter> ordered) {
        int n = 0;
        while (n < ordered.size() && holds(ordered, n)) {
            n++;
        }
        return n;
    }

    /**
     * The waiter whose deletion waiter {@code i} (which does not hold) must wait for, so that a release wakes only
     * the waiter it concerns (no herd): a mutex or writer waits for its predecessor, a reader for the nearest
     * waiter before it that is not a reader. A counting semaphore waiter holds once any of several waiters before it
     * goes, so it has no single blocker: -1 (it watches the whole directory).
     */
    public static int blockerOf(List<Waiter> ordered, int i) {
        Waiter w = ordered.get(i);
        if (w.mode() == LockMode.SHARED) {
            for (int j = i - 1; j >= 0; j--) {
                if (ordered.get(j).mode() != LockMode.SHARED) {
                    return j;
                }
            }
            throw new IllegalArgumentException("waiter " + i + " holds: it has no blocker");
        }
        if (w.permits() == 1) {
            if (i == 0) {
                throw new IllegalArgumentException("waiter 0 holds: it has no blocker");
            }
            return i - 1;
        }
        return -1;
    }

    /** Empty when {@code name} is a valid lock or election name, else a sentence saying why not. */
    public static Optional<String> checkName(String name) {
        if (name.isEmpty()) {
            return Optional.of("name is empty");
        }
        if (name.length() > NAME_BYTES_MAX) {
            return Optional.of("name is longer than " + NAME_BYTES_MAX + " bytes");
        }
        if (name.indexOf('/') >= 0) {
            return Optional.of("name '" + name + "' contains '/': a name is one path segment");
        }
        return ZPath.check(LOCKS_ROOT + "/" + name)
                .map(v -> "name '" + name + "' is not a path segment: " + v.rule());
    }
}
