package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.RequestHeader;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PublishMember;
import io.kvstore.store.command.TtlZnode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Checks requests against everything that does not depend on the stored state: paths, sizes, limits, flags that are
 * not implemented. The server calls the request methods before proposing, so bad requests never reach raft;
 * {@link KvStateMachine} calls {@link #validate(Command)} again when applying, because the log must not trust its
 * proposer and every member must reject the same commands. Pure and thread-safe.
 */
public final class RequestValidator {

    private RequestValidator() {
    }

    /** Checks a replicated command: identity, size and its one operation. */
    public static Optional<Failure> validate(Command command) {
        if (command.getSerializedSize() > Limits.REQUEST_BYTES_MAX) {
            return fail(ErrorCode.REQUEST_TOO_LARGE, "command is " + command.getSerializedSize() + " bytes, over "
                    + Limits.REQUEST_BYTES_MAX);
        }
        Optional<Failure> identity = checkIdentity(command.getClientId(), command.getSequence());
        if (identity.isPresent()) {
            return identity;
        }
        if (command.hasFence()) {
            Optional<Failure> fence = checkFence(command.getFence(), fenceable(command.getOpCase()));
            if (fence.isPresent()) {
                return fence;
            }
        }
        return switch (command.getOpCase()) {
            case CREATE -> checkCreate(command.getCreate(), true);
            case PUT -> checkPut(command.getPut(), true);
            case DELETE -> checkDelete(command.getDelete(), true);
            case TXN -> checkTxn(command.getTxn());
            case PUBLISH_MEMBER -> checkPublishMember(command);
            case OPEN_SESSION -> first(checkNested(true, command.getOpenSession().hasHeader()),
                    checkSessionTtl(command.getOpenSession().getTtlMillis()));
            case CLOSE_SESSION -> first(checkNested(true, command.getCloseSession().hasHeader()),
                    checkSessionId(command.getCloseSession().getSessionId()));
            case EXPIRE_SESSIONS -> checkExpireSessions(command);
            case EXPIRE_TTL_ZNODES -> checkExpireTtlZnodes(command);
            case CHECKPOINT_SESSIONS -> checkCheckpointSessions(command);
            case USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE,
                    ROLE_GRANT, ROLE_REVOKE, AUTH_SET_ENABLED -> AuthCommands.validate(command);
            case OP_NOT_SET -> fail(ErrorCode.INVALID_ARGUMENT, "command has no operation");
        };
    }

    /** Checks a Create request as received from a client. */
    public static Optional<Failure> validate(CreateRequest request) {
        return first(checkSize(request), checkHeader(request.getHeader()), checkCreate(request, false));
    }

    /** Checks a Put request as received from a client. */
    public static Optional<Failure> validate(PutRequest request) {
        return first(checkSize(request), checkHeader(request.getHeader()), checkPut(request, false));
    }

    /** Checks a Delete request as received from a client. */
    public static Optional<Failure> validate(DeleteRequest request) {
        return first(checkSize(request), checkHeader(request.getHeader()), checkDelete(request, false));
    }

    /** Checks a Txn request as received from a client. */
    public static Optional<Failure> validate(TxnRequest request) {
        return first(checkSize(request), checkHeader(request.getHeader()), checkTxn(request));
    }

    /** Checks a session Open request as received from a client. */
    public static Optional<Failure> validate(SessionOpenRequest request) {
        return first(checkUnfencedHeader(request.getHeader()), checkSessionTtl(request.getTtlMillis()));
    }

    /** Checks a session Close request as received from a client. */
    public static Optional<Failure> validate(SessionCloseRequest request) {
        return first(checkUnfencedHeader(request.getHeader()), checkSessionId(request.getSessionId()));
    }

    /** Checks a Get request. */
    public static Optional<Failure> validate(GetRequest request) {
        return checkPath(request.getPath());
    }

    /** Checks an Exists request. */
    public static Optional<Failure> validate(ExistsRequest request) {
        return checkPath(request.getPath());
    }

    /** Checks a List request's path and limit; the page token is checked when it is used. */
    public static Optional<Failure> validate(ListRequest request) {
        if (Integer.toUnsignedLong(request.getLimit()) > Limits.LIST_LIMIT_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "limit " + Integer.toUnsignedString(request.getLimit())
                    + " is over " + Limits.LIST_LIMIT_MAX);
        }
        return checkPath(request.getPath());
    }

    private static Optional<Failure> checkPublishMember(Command command) {
        PublishMember p = command.getPublishMember();
        if (!command.getClientId().isEmpty()) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a member publication carries no client_id");
        }
        int idBytes = p.getMemberId().getBytes(StandardCharsets.UTF_8).length;
        if (idBytes == 0 || idBytes > Limits.MEMBER_ID_BYTES_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "member_id must have 1 to " + Limits.MEMBER_ID_BYTES_MAX
                    + " bytes: '" + p.getMemberId() + "'");
        }
        int addressBytes = p.getClientAddress().getBytes(StandardCharsets.UTF_8).length;
        if (addressBytes == 0 || addressBytes > Limits.MEMBER_ADDRESS_BYTES_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "client_address must have 1 to " + Limits.MEMBER_ADDRESS_BYTES_MAX
                    + " bytes: '" + p.getClientAddress() + "'");
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkSessionTtl(long ttlMillis) {
        return ttlMillis < Limits.SESSION_TTL_MILLIS_MIN || ttlMillis > Limits.SESSION_TTL_MILLIS_MAX
                ? fail(ErrorCode.TTL_OUT_OF_RANGE, "session ttl_millis must be in [" + Limits.SESSION_TTL_MILLIS_MIN
                        + ", " + Limits.SESSION_TTL_MILLIS_MAX + "]: " + ttlMillis)
                : Optional.empty();
    }

    private static Optional<Failure> checkSessionId(long sessionId) {
        return sessionId == 0 ? fail(ErrorCode.INVALID_ARGUMENT, "session_id must be set") : Optional.empty();
    }

    /** Leader decisions: no client identity (they are idempotent), bounded, well-formed. */
    private static Optional<Failure> checkExpireSessions(Command command) {
        if (!command.getClientId().isEmpty()) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a session expiry carries no client_id");
        }
        List<Long> ids = command.getExpireSessions().getSessionIdList();
        if (ids.isEmpty() || ids.size() > Limits.EXPIRE_BATCH_MAX || ids.contains(0L)) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a session expiry lists 1 to " + Limits.EXPIRE_BATCH_MAX
                    + " non-zero ids");
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkCheckpointSessions(Command command) {
        if (!command.getClientId().isEmpty()) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a session checkpoint carries no client_id");
        }
        var checkpoints = command.getCheckpointSessions().getCheckpointList();
        if (checkpoints.isEmpty() || checkpoints.size() > Limits.CHECKPOINT_BATCH_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a session checkpoint lists 1 to " + Limits.CHECKPOINT_BATCH_MAX
                    + " sessions");
        }
        for (var c : checkpoints) {
            if (c.getSessionId() == 0 || c.getRemainingMillis() < 0) {
                return fail(ErrorCode.INVALID_ARGUMENT, "a session checkpoint needs non-zero ids and remaining_millis"
                        + " >= 0");
            }
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkExpireTtlZnodes(Command command) {
        if (!command.getClientId().isEmpty()) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a TTL expiry carries no client_id");
        }
        List<TtlZnode> znodes = command.getExpireTtlZnodes().getZnodeList();
        if (znodes.isEmpty() || znodes.size() > Limits.EXPIRE_BATCH_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a TTL expiry lists 1 to " + Limits.EXPIRE_BATCH_MAX + " znodes");
        }
        for (TtlZnode z : znodes) {
            Optional<Failure> f = checkWritePath(z.getPath());
            if (f.isPresent()) {
                return f;
            }
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkCreate(CreateRequest r, boolean nested) {
        if (r.getSessionId() != 0 && r.getTtlMillis() != 0) {
            return fail(ErrorCode.INVALID_ARGUMENT, "a znode is ephemeral (session_id) or has a TTL, not both");
        }
        if (r.getTtlMillis() != 0
                && (r.getTtlMillis() < Limits.ZNODE_TTL_MILLIS_MIN || r.getTtlMillis() > Limits.ZNODE_TTL_MILLIS_MAX)) {
            return fail(ErrorCode.TTL_OUT_OF_RANGE, "znode ttl_millis must be 0 (none) or in ["
                    + Limits.ZNODE_TTL_MILLIS_MIN + ", " + Limits.ZNODE_TTL_MILLIS_MAX + "]: " + r.getTtlMillis());
        }
        return first(checkNested(nested, r.hasHeader()), checkWritePath(r.getPath()), checkValue(r.getValue()));
    }

    private static Optional<Failure> checkPut(PutRequest r, boolean nested) {
        return first(checkNested(nested, r.hasHeader()), checkWritePath(r.getPath()), checkValue(r.getValue()),
                checkExpectedVersion(r.hasExpectedVersion(), r.getExpectedVersion()));
    }

    private static Optional<Failure> checkDelete(DeleteRequest r, boolean nested) {
        return first(checkNested(nested, r.hasHeader()), checkWritePath(r.getPath()),
                checkExpectedVersion(r.hasExpectedVersion(), r.getExpectedVersion()));
    }

    private static Optional<Failure> checkTxn(TxnRequest r) {
        int ops = r.getCompareCount() + r.getSuccessCount() + r.getFailureCount();
        if (ops > Limits.TXN_OPS_MAX) {
            return fail(ErrorCode.TOO_MANY_OPS, "txn has " + ops + " compares and operations, over "
                    + Limits.TXN_OPS_MAX);
        }
        for (Compare c : r.getCompareList()) {
            Optional<Failure> f = checkCompare(c);
            if (f.isPresent()) {
                return f;
            }
        }
        return first(checkBranch(r.getSuccessList()), checkBranch(r.getFailureList()));
    }

    private static Optional<Failure> checkBranch(List<TxnOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            TxnOp op = ops.get(i);
            Optional<Failure> f = switch (op.getOpCase()) {
                case CREATE -> checkCreate(op.getCreate(), true);
                case PUT -> checkPut(op.getPut(), true);
                case DELETE -> checkDelete(op.getDelete(), true);
                case GET -> op.getGet().getSerializable()
                        ? fail(ErrorCode.INVALID_ARGUMENT, "a get inside a txn cannot be serializable")
                        : checkPath(op.getGet().getPath());
                case OP_NOT_SET -> fail(ErrorCode.INVALID_ARGUMENT, "txn operation has no operation");
            };
            if (f.isPresent()) {
                return Optional.of(f.get().atOp(i));
            }
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkCompare(Compare c) {
        if (c.getOp() != Compare.Op.EQUAL && c.getOp() != Compare.Op.NOT_EQUAL
                && c.getOp() != Compare.Op.LESS && c.getOp() != Compare.Op.GREATER) {
            return fail(ErrorCode.INVALID_ARGUMENT, "compare on " + c.getPath() + " has no valid op");
        }
        if (c.getTargetCase() == Compare.TargetCase.TARGET_NOT_SET) {
            return fail(ErrorCode.INVALID_ARGUMENT, "compare on " + c.getPath() + " has no target");
        }
        if (c.getTargetCase() == Compare.TargetCase.EXISTS
                && c.getOp() != Compare.Op.EQUAL && c.getOp() != Compare.Op.NOT_EQUAL) {
            return fail(ErrorCode.INVALID_ARGUMENT, "an exists compare takes EQUAL or NOT_EQUAL only");
        }
        return checkPath(c.getPath());
    }

    private static Optional<Failure> checkIdentity(String clientId, long sequence) {
        if (clientId.getBytes(StandardCharsets.UTF_8).length > Limits.CLIENT_ID_BYTES_MAX) {
            return fail(ErrorCode.INVALID_ARGUMENT, "client_id is over " + Limits.CLIENT_ID_BYTES_MAX + " bytes");
        }
        if (!clientId.isEmpty() && sequence == 0) {
            return fail(ErrorCode.INVALID_ARGUMENT, "sequence must be >= 1 when client_id is set");
        }
        return Optional.empty();
    }

    private static Optional<Failure> checkHeader(RequestHeader header) {
        return first(checkIdentity(header.getClientId(), header.getSequence()),
                header.hasFence() ? checkFence(header.getFence(), true) : Optional.empty());
    }

    /** A header of a request that does not honour a fence (session open and close, lock calls). */
    public static Optional<Failure> checkUnfencedHeader(RequestHeader header) {
        return first(checkIdentity(header.getClientId(), header.getSequence()),
                header.hasFence() ? checkFence(header.getFence(), false) : Optional.empty());
    }

    private static boolean fenceable(Command.OpCase op) {
        return op == Command.OpCase.CREATE || op == Command.OpCase.PUT || op == Command.OpCase.DELETE
                || op == Command.OpCase.TXN;
    }

    private static Optional<Failure> checkFence(io.kvstore.api.v1.Fence fence, boolean allowed) {
        if (!allowed) {
            return fail(ErrorCode.INVALID_ARGUMENT, "only create, put, delete and txn honour a fence");
        }
        if (fence.getToken() <= 0) {
            return fail(ErrorCode.INVALID_ARGUMENT, "fence token must be > 0 (a grant's fencing token): "
                    + fence.getToken());
        }
        return checkWritePath(fence.getLockPath());
    }

    private static Optional<Failure> checkNested(boolean nested, boolean hasHeader) {
        return nested && hasHeader
                ? fail(ErrorCode.INVALID_ARGUMENT, "a request inside a txn or command must not carry a header")
                : Optional.empty();
    }

    private static Optional<Failure> checkSize(MessageLite request) {
        int size = request.getSerializedSize();
        return size > Limits.REQUEST_BYTES_MAX
                ? fail(ErrorCode.REQUEST_TOO_LARGE, "request is " + size + " bytes, over " + Limits.REQUEST_BYTES_MAX)
                : Optional.empty();
    }

    private static Optional<Failure> checkPath(String path) {
        return ZPath.check(path).map(v -> Failure.of(ErrorCode.INVALID_PATH, ZPath.describe(path, v)));
    }

    private static Optional<Failure> checkWritePath(String path) {
        Optional<Failure> f = checkPath(path);
        if (f.isEmpty() && path.equals("/")) {
            return fail(ErrorCode.ROOT_READ_ONLY, "the root \"/\" cannot be created, written or deleted");
        }
        return f;
    }

    private static Optional<Failure> checkValue(ByteString value) {
        return value.size() > Limits.VALUE_BYTES_MAX
                ? fail(ErrorCode.VALUE_TOO_LARGE, "value is " + value.size() + " bytes, over " + Limits.VALUE_BYTES_MAX)
                : Optional.empty();
    }

    private static Optional<Failure> checkExpectedVersion(boolean has, long expected) {
        return has && expected < -1
                ? fail(ErrorCode.INVALID_ARGUMENT, "expected_version must be -1, 0 or positive: " + expected)
                : Optional.empty();
    }

    @SafeVarargs
    private static Optional<Failure> first(Optional<Failure>... checks) {
        for (Optional<Failure> check : checks) {
            if (check.isPresent()) {
                return check;
            }
        }
        return Optional.empty();
    }

    private static Optional<Failure> fail(ErrorCode code, String message) {
        return Optional.of(Failure.of(code, message));
    }
}
