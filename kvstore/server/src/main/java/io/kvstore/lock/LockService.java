package io.kvstore.lock;

import static io.kvstore.server.Replies.fail;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.AcquireRequest;
import io.kvstore.api.v1.AcquireResponse;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.LockGrpc;
import io.kvstore.api.v1.LockMode;
import io.kvstore.api.v1.LockWaiter;
import io.kvstore.api.v1.ReleaseRequest;
import io.kvstore.api.v1.ReleaseResponse;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.server.StatusMapper;
import io.kvstore.server.kv.ResponseHeaders;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.Failure;
import io.kvstore.store.LockQueue;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.ZPath;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The kvstore.v1 Lock service (lock.proto). Served by every member: the waiter's create and the release go to the
 * leader ({@link StoreWriter}); the waiting happens on this member's applied state ({@link LockWait}), so a member
 * answers a grant only once it has applied it. Thread-safe.
 */
public final class LockService extends LockGrpc.LockImplBase {

    private final MemberDirectory members;
    private final Acquirer acquirer;
    private final StoreWriter writer;

    LockService(MemberDirectory members, Acquirer acquirer, StoreWriter writer) {
        this.members = members;
        this.acquirer = acquirer;
        this.writer = writer;
    }

    @Override
    public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> response) {
        acquire(request, false, response);
    }

    @Override
    public void tryAcquire(AcquireRequest request, StreamObserver<AcquireResponse> response) {
        acquire(request, true, response);
    }

    private void acquire(AcquireRequest request, boolean tryOnly, StreamObserver<AcquireResponse> response) {
        Optional<Failure> invalid = check(request);
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        ZPath dir = lockPath(request.getName());
        LockWaiter value = LockWaiter.newBuilder().setMode(request.getMode() == LockMode.SHARED ? LockMode.SHARED
                : LockMode.EXCLUSIVE).setPermits(request.getMode() == LockMode.SHARED ? 0
                : Math.max(1, request.getPermits())).setOwner(request.getOwner()).build();
        complete(acquirer.acquire(request.getHeader(), dir, request.getSessionId(), value,
                request.getTimeoutMillis(), tryOnly).thenApply(grant -> AcquireResponse.newBuilder()
                .setHeader(ResponseHeaders.of(members.self(), members.status(), grant.revision(), false))
                .setAcquired(grant.acquired()).setFencingToken(grant.token())
                .setKey(grant.acquired() ? grant.key() : "").setLockPath(dir.value()).build()), response);
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> response) {
        Optional<Failure> invalid = first(RequestValidator.checkUnfencedHeader(request.getHeader()),
                checkKey(request.getKey(), LockQueue.LOCKS_ROOT), checkToken(request.getFencingToken()));
        if (invalid.isPresent()) {
            fail(response, StatusMapper.toException(invalid.get()));
            return;
        }
        complete(release(writer, request.getHeader(), request.getKey(), request.getFencingToken())
                .thenApply(revision -> ReleaseResponse.newBuilder().setHeader(ResponseHeaders.of(members.self(),
                        members.status(), revision, false)).build()), response);
    }

    /**
     * Deletes waiter {@code key} if its create_revision is {@code token}, in one txn; LOCK_NOT_HELD otherwise.
     * Completes with the revision after the release.
     */
    static CompletableFuture<Long> release(StoreWriter writer, RequestHeader header, String key, long token) {
        TxnRequest txn = TxnRequest.newBuilder().setHeader(header)
                .addCompare(Compare.newBuilder().setPath(key).setOp(Compare.Op.EQUAL).setCreateRevision(token))
                .addSuccess(TxnOp.newBuilder().setDelete(DeleteRequest.newBuilder().setPath(key))).build();
        return writer.txn(txn).thenApply(r -> {
            if (!r.getSucceeded()) {
                throw StatusMapper.toException(Failure.of(ErrorCode.LOCK_NOT_HELD, key + " with token " + token
                        + " is not held: released before, its session ended, or the key or token is wrong"));
            }
            return r.getHeader().getRevision();
        });
    }

    /** The directory of lock {@code name} (already checked). */
    static ZPath lockPath(String name) {
        return ZPath.parse(LockQueue.LOCKS_ROOT + "/" + name);
    }

    private static Optional<Failure> check(AcquireRequest r) {
        Optional<Failure> f = first(RequestValidator.checkUnfencedHeader(r.getHeader()), checkName(r.getName()),
                checkSession(r.getSessionId()), checkOwner(r.getOwner().size()));
        if (f.isPresent()) {
            return f;
        }
        if (r.getTimeoutMillis() < 0) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "timeout_millis must be >= 0: "
                    + r.getTimeoutMillis()));
        }
        if (r.getModeValue() < 0 || r.getModeValue() > LockMode.SHARED_VALUE) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "unknown lock mode " + r.getModeValue()));
        }
        if (r.getMode() == LockMode.SHARED && Integer.toUnsignedLong(r.getPermits()) > 1) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "a SHARED lock takes no permits"));
        }
        if (Integer.toUnsignedLong(r.getPermits()) > LockQueue.PERMITS_MAX) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "permits must be at most "
                    + LockQueue.PERMITS_MAX + ": " + Integer.toUnsignedString(r.getPermits())));
        }
        return Optional.empty();
    }

    static Optional<Failure> checkName(String name) {
        return LockQueue.checkName(name).map(why -> Failure.of(ErrorCode.INVALID_LOCK_NAME, why));
    }

    static Optional<Failure> checkSession(long sessionId) {
        return sessionId == 0 ? Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "session_id is required: a lock "
                + "or candidacy is owned by a live session")) : Optional.empty();
    }

    static Optional<Failure> checkOwner(int bytes) {
        return bytes > LockQueue.OWNER_BYTES_MAX ? Optional.of(Failure.of(ErrorCode.VALUE_TOO_LARGE, "owner/value is "
                + bytes + " bytes, over " + LockQueue.OWNER_BYTES_MAX)) : Optional.empty();
    }

    /** A waiter key: a waiter znode directly under a lock directory of {@code root}. */
    static Optional<Failure> checkKey(String key, String root) {
        Optional<ZPath.Violation> v = ZPath.check(key);
        if (v.isPresent()) {
            return Optional.of(Failure.of(ErrorCode.INVALID_PATH, ZPath.describe(key, v.get())));
        }
        ZPath path = ZPath.parse(key);
        if (path.depth() != 3 || !path.parent().parent().value().equals(root)
                || !path.name().startsWith(LockQueue.WAITER_PREFIX)) {
            return Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, key + " is not a waiter key (" + root
                    + "/NAME/" + LockQueue.WAITER_PREFIX + "<sequence>)"));
        }
        return Optional.empty();
    }

    static Optional<Failure> checkToken(long token) {
        return token <= 0 ? Optional.of(Failure.of(ErrorCode.INVALID_ARGUMENT, "fencing_token must be > 0: " + token))
                : Optional.empty();
    }

    @SafeVarargs
    static Optional<Failure> first(Optional<Failure>... checks) {
        for (Optional<Failure> c : checks) {
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /** Answers {@code response} from {@code future}; failures must be StatusRuntimeExceptions (else INTERNAL). */
    static <R> void complete(CompletableFuture<R> future, StreamObserver<R> response) {
        future.whenComplete((value, error) -> {
            if (error == null) {
                io.kvstore.server.Replies.answer(response, () -> value);
                return;
            }
            Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            fail(response, e instanceof StatusRuntimeException s ? s : StatusMapper.internal(e));
        });
    }
}
