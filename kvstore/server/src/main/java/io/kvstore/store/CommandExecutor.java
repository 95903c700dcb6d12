package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.Fence;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.SessionCloseResponse;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnOpResult;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.store.WriteResult.Success;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.SessionCheckpoint;
import io.kvstore.store.command.SessionRecord;
import io.kvstore.store.command.TtlZnode;
import io.kvstore.store.command.ZnodeRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs one validated command against a {@link PendingTree}. Every change of the command gets revision
 * {@code currentRevision + 1}; if the command changes nothing (a failure, or a txn branch of gets) the revision
 * stays. Deterministic: the outcome depends only on the stored state, the command and its raft index. Apply thread
 * only.
 *
 * <p>Sessions: a session's id is the raft index of its open. Ending a session (close or expiry) deletes its
 * ephemeral znodes through {@link #removeLeaf}, the same tree change as a client's delete, in the command's one
 * revision.
 */
final class CommandExecutor {

    /** One operation's outcome: a response, or a failure. */
    private record Step(Message response, Failure failure) {
        static Step ok(Message response) {
            return new Step(response, null);
        }

        static Step fail(ErrorCode code, String message) {
            return new Step(null, Failure.of(code, message));
        }
    }

    private final PendingTree tree;
    private final long currentRevision;
    private final long newRevision;
    private final long entryIndex;
    private final io.kvstore.auth.AuthState auth;
    /** Command.caller of the command being executed. */
    private String caller = "";

    /**
     * @param entryIndex raft index of the command's entry: the id of a session it opens
     * @param auth the auth state before this entry: who is root, for session ownership
     */
    CommandExecutor(PendingTree tree, long currentRevision, long entryIndex, io.kvstore.auth.AuthState auth) {
        this.auth = auth;
        this.tree = tree;
        this.currentRevision = currentRevision;
        this.newRevision = currentRevision + 1;
        this.entryIndex = entryIndex;
    }

    /** Executes {@code command}; on failure the tree's pending changes must be discarded by the caller. */
    WriteResult execute(Command command) {
        caller = command.getCaller();
        if (command.hasFence()) {
            Step fenced = checkFence(command.getFence());
            if (fenced != null) {
                return fenced.failure();
            }
        }
        Step step = switch (command.getOpCase()) {
            case CREATE -> create(command.getCreate());
            case PUT -> put(command.getPut());
            case DELETE -> delete(command.getDelete());
            case TXN -> txn(command.getTxn());
            // KvStateMachine applies member publications itself: they do not touch the tree.
            case PUBLISH_MEMBER -> throw new IllegalStateException("member publication reached the tree executor");
            // KvStateMachine applies auth commands through AuthCommands: they do not touch the tree.
            case USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE,
                    ROLE_GRANT, ROLE_REVOKE, AUTH_SET_ENABLED ->
                    throw new IllegalStateException("auth command reached the tree executor");
            case OPEN_SESSION -> openSession(command.getOpenSession().getTtlMillis(), command.getCaller());
            case CLOSE_SESSION -> closeSession(command.getCloseSession().getSessionId());
            case EXPIRE_SESSIONS -> expireSessions(command.getExpireSessions().getSessionIdList());
            case EXPIRE_TTL_ZNODES -> expireTtlZnodes(command.getExpireTtlZnodes().getZnodeList());
            case CHECKPOINT_SESSIONS -> checkpointSessions(command.getCheckpointSessions().getCheckpointList());
            case OP_NOT_SET -> Step.fail(ErrorCode.INVALID_ARGUMENT, "command has no operation");
        };
        if (step.failure() != null) {
            return step.failure();
        }
        return new Success(tree.changed() ? newRevision : currentRevision, step.response());
    }

    private Step create(CreateRequest request) {
        ZPath path = ZPath.parse(request.getPath());
        long sessionId = request.getSessionId();
        if (sessionId != 0) {
            SessionRecord session = tree.session(sessionId);
            if (session == null) {
                return Step.fail(ErrorCode.SESSION_EXPIRED, "session " + sessionId + " is not live (expired, "
                        + "closed or never opened): open a new session");
            }
            Step foreign = foreignSession(sessionId, session);
            if (foreign != null) {
                return foreign;
            }
            if (session.getEphemeralCount() >= Limits.EPHEMERALS_PER_SESSION_MAX) {
                return Step.fail(ErrorCode.TOO_MANY_EPHEMERALS, "session " + sessionId + " owns "
                        + Limits.EPHEMERALS_PER_SESSION_MAX + " ephemeral znodes already");
            }
        }
        if (!request.getSequential() && tree.get(path) != null) {
            return Step.fail(ErrorCode.ALREADY_EXISTS, path + " already exists");
        }
        Step parents = ensureParent(path, request.getMakeParents());
        if (parents != null) {
            return parents;
        }
        if (request.getSequential()) {
            ZPath parentPath = path.parent();
            ZnodeRecord parent = tree.get(parentPath);
            // %019d: every non-negative long, zero-padded so names sort in creation order; never wraps.
            String name = path.name() + String.format("%019d", parent.getNextSequence());
            if (ZPath.check(parentPath.child(name).value()).isPresent()) {
                return Step.fail(ErrorCode.INVALID_PATH, path + " with its 19-digit sequence suffix breaks a path "
                        + "rule (too long?)");
            }
            tree.put(parentPath, parent.toBuilder().setNextSequence(parent.getNextSequence() + 1).build());
            path = parentPath.child(name);
            if (tree.get(path) != null) {
                return Step.fail(ErrorCode.ALREADY_EXISTS, path + " already exists (created without sequential?)");
            }
        }
        ZnodeRecord record = addChild(path, request.getValue(), sessionId, request.getTtlMillis());
        return Step.ok(CreateResponse.newBuilder().setPath(path.value()).setStat(stat(record)).build());
    }

    private Step openSession(long ttlMillis, String owner) {
        tree.putSession(entryIndex, SessionRecord.newBuilder().setTtlMillis(ttlMillis).setOwner(owner).build());
        return Step.ok(SessionOpenResponse.newBuilder().setSessionId(entryIndex).setTtlMillis(ttlMillis).build());
    }

    /**
     * PERMISSION_DENIED when the caller may not use live session {@code sessionId} (issue 9), else null: allowed for
     * a session opened while auth was off (no owner), its owner, and root. Checked here too, not only by the
     * authorizer before proposing, because at apply time it cannot race the session's open. An empty caller made the
     * call while auth was off, which allowed everything. The message does not name the owner.
     */
    private Step foreignSession(long sessionId, SessionRecord session) {
        if (session.getOwner().isEmpty() || caller.isEmpty() || caller.equals(session.getOwner())
                || auth.isRoot(caller)) {
            return null;
        }
        return Step.fail(ErrorCode.PERMISSION_DENIED, "user " + caller + " may not use session " + sessionId
                + ": it belongs to another user");
    }

    private Step closeSession(long sessionId) {
        SessionRecord live = tree.session(sessionId);
        Step foreign = live == null ? null : foreignSession(sessionId, live);
        if (foreign != null) {
            return foreign;
        }
        if (live == null) {
            return Step.fail(ErrorCode.SESSION_EXPIRED, "session " + sessionId + " is not live (expired, closed or "
                    + "never opened)");
        }
        return Step.ok(SessionCloseResponse.newBuilder().setDeleted(endSession(sessionId)).build());
    }

    /** Ends every listed session that is still live; the others lost a race with a close and are skipped. */
    private Step expireSessions(List<Long> sessionIds) {
        long deleted = 0;
        for (long id : sessionIds) {
            if (tree.session(id) != null) {
                deleted += endSession(id);
            }
        }
        return Step.ok(SessionCloseResponse.newBuilder().setDeleted(deleted).build());
    }

    /**
     * Stores each live session's checkpointed countdown; ended sessions are skipped. Session records only: the tree
     * does not change, so no revision and no watch event.
     */
    private Step checkpointSessions(List<SessionCheckpoint> checkpoints) {
        for (SessionCheckpoint c : checkpoints) {
            SessionRecord session = tree.session(c.getSessionId());
            if (session != null) {
                tree.putSession(c.getSessionId(), session.toBuilder().setRemainingMillis(c.getRemainingMillis())
                        .build());
            }
        }
        return Step.ok(SessionCloseResponse.getDefaultInstance());
    }

    /** Deletes a live session's ephemeral znodes and the session; returns how many znodes. */
    private long endSession(long sessionId) {
        List<ZPath> owned = tree.storedEphemeralsOf(sessionId, Limits.EPHEMERALS_PER_SESSION_MAX);
        for (ZPath path : owned) {
            removeLeaf(path);
        }
        tree.deleteSession(sessionId);
        return owned.size();
    }

    /** Deletes each TTL znode that still exists, has no children and was not written since the leader looked. */
    private Step expireTtlZnodes(List<TtlZnode> znodes) {
        long deleted = 0;
        for (TtlZnode z : znodes) {
            ZPath path = ZPath.parse(z.getPath());
            ZnodeRecord current = tree.get(path);
            if (current != null && current.getTtlMillis() != 0 && current.getModRevision() == z.getModRevision()
                    && current.getNumChildren() == 0) {
                removeLeaf(path);
                deleted++;
            }
        }
        return Step.ok(DeleteResponse.newBuilder().setDeleted(deleted).build());
    }

    /** Deletes a znode without children and uncounts it at its parent: the one tree change of every delete. */
    private void removeLeaf(ZPath path) {
        tree.delete(path);
        ZPath parentPath = path.parent();
        ZnodeRecord parent = tree.get(parentPath);
        tree.put(parentPath, parent.toBuilder().setNumChildren(parent.getNumChildren() - 1)
                .setChildrenRevision(newRevision).build());
    }

    private Step put(PutRequest request) {
        ZPath path = ZPath.parse(request.getPath());
        ZnodeRecord current = tree.get(path);
        Step mismatch = checkVersion(path, current, request.hasExpectedVersion(), request.getExpectedVersion());
        if (mismatch != null) {
            return mismatch;
        }
        if (current == null) {
            Step parents = ensureParent(path, request.getMakeParents());
            if (parents != null) {
                return parents;
            }
            ZnodeRecord record = addChild(path, request.getValue(), 0, 0);
            return Step.ok(PutResponse.newBuilder().setStat(stat(record)).setCreated(true).build());
        }
        ZnodeRecord record = current.toBuilder().setVersion(current.getVersion() + 1).setModRevision(newRevision)
                .setData(request.getValue()).build();
        tree.put(path, record);
        return Step.ok(PutResponse.newBuilder().setStat(stat(record)).build());
    }

    private Step delete(DeleteRequest request) {
        ZPath path = ZPath.parse(request.getPath());
        ZnodeRecord current = tree.get(path);
        Step mismatch = checkVersion(path, current, request.hasExpectedVersion(), request.getExpectedVersion());
        if (mismatch != null) {
            return mismatch;
        }
        if (current == null) {
            return Step.fail(ErrorCode.NOT_FOUND, path + " does not exist");
        }
        if (current.getNumChildren() > 0 && !request.getRecursive()) {
            return Step.fail(ErrorCode.HAS_CHILDREN, path + " has " + current.getNumChildren() + " children");
        }
        List<ZPath> doomed = new ArrayList<>();
        Deque<ZPath> toVisit = new ArrayDeque<>();
        toVisit.push(path);
        while (!toVisit.isEmpty()) {
            ZPath next = toVisit.pop();
            doomed.add(next);
            int room = Limits.RECURSIVE_DELETE_ZNODES_MAX - doomed.size() - toVisit.size();
            List<String> names = tree.children(next, Math.max(room, 0));
            if (names.size() > room) {
                return Step.fail(ErrorCode.SUBTREE_TOO_LARGE, path + " has more than "
                        + Limits.RECURSIVE_DELETE_ZNODES_MAX + " znodes: delete parts of it first");
            }
            for (String name : names) {
                toVisit.push(next.child(name));
            }
        }
        for (ZPath p : doomed) {
            tree.delete(p);
        }
        ZPath parentPath = path.parent();
        ZnodeRecord parent = tree.get(parentPath);
        tree.put(parentPath, parent.toBuilder().setNumChildren(parent.getNumChildren() - 1)
                .setChildrenRevision(newRevision).build());
        return Step.ok(DeleteResponse.newBuilder().setDeleted(doomed.size()).build());
    }

    private Step get(GetRequest request) {
        ZnodeRecord current = tree.get(ZPath.parse(request.getPath()));
        if (current == null) {
            return Step.ok(GetResponse.getDefaultInstance());
        }
        return Step.ok(GetResponse.newBuilder().setStat(stat(current)).setValue(current.getData()).build());
    }

    private Step txn(TxnRequest request) {
        boolean succeeded = true;
        for (Compare compare : request.getCompareList()) {
            succeeded &= holds(compare);
        }
        List<TxnOp> branch = succeeded ? request.getSuccessList() : request.getFailureList();
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (int i = 0; i < branch.size(); i++) {
            TxnOp op = branch.get(i);
            Step step = switch (op.getOpCase()) {
                case CREATE -> create(op.getCreate());
                case PUT -> put(op.getPut());
                case DELETE -> delete(op.getDelete());
                case GET -> get(op.getGet());
                case OP_NOT_SET -> Step.fail(ErrorCode.INVALID_ARGUMENT, "txn operation has no operation");
            };
            if (step.failure() != null) {
                return new Step(null, step.failure().atOp(i));
            }
            response.addResults(wrap(step.response()));
        }
        return Step.ok(response.build());
    }

    private boolean holds(Compare compare) {
        ZnodeRecord current = tree.get(ZPath.parse(compare.getPath()));
        int order;
        switch (compare.getTargetCase()) {
            case EXISTS -> order = Boolean.compare(current != null, compare.getExists());
            case VERSION -> order = Long.compare(current == null ? 0 : current.getVersion(), compare.getVersion());
            case MOD_REVISION -> order = Long.compare(current == null ? 0 : current.getModRevision(),
                    compare.getModRevision());
            case CREATE_REVISION -> order = Long.compare(current == null ? 0 : current.getCreateRevision(),
                    compare.getCreateRevision());
            case VALUE -> {
                if (current == null) {
                    return false;
                }
                order = ByteString.unsignedLexicographicalComparator().compare(current.getData(), compare.getValue());
            }
            default -> throw new IllegalArgumentException("unvalidated compare: " + compare);
        }
        return switch (compare.getOp()) {
            case EQUAL -> order == 0;
            case NOT_EQUAL -> order != 0;
            case LESS -> order < 0;
            case GREATER -> order > 0;
            default -> throw new IllegalArgumentException("unvalidated compare op: " + compare);
        };
    }

    private static TxnOpResult wrap(Message response) {
        TxnOpResult.Builder b = TxnOpResult.newBuilder();
        if (response instanceof CreateResponse r) {
            b.setCreate(r);
        } else if (response instanceof PutResponse r) {
            b.setPut(r);
        } else if (response instanceof DeleteResponse r) {
            b.setDelete(r);
        } else {
            b.setGet((GetResponse) response);
        }
        return b.build();
    }

    /** VERSION_MISMATCH unless unconditional or the current version (0 when missing) equals the expected one. */
    private static Step checkVersion(ZPath path, ZnodeRecord current, boolean has, long expected) {
        long actual = current == null ? 0 : current.getVersion();
        if (!has || expected == -1 || expected == actual) {
            return null;
        }
        return new Step(null, new Failure(ErrorCode.VERSION_MISMATCH,
                path + " is at version " + actual + ", expected " + expected, actual, -1));
    }

    /**
     * Creates missing ancestors of {@code path} when allowed; PARENT_NOT_FOUND otherwise, and
     * EPHEMERAL_HAS_NO_CHILDREN when the nearest existing ancestor is ephemeral.
     */
    private Step ensureParent(ZPath path, boolean makeParents) {
        Deque<ZPath> missing = new ArrayDeque<>();
        ZPath p = path.parent();
        ZnodeRecord existing;
        for (; (existing = tree.get(p)) == null; p = p.parent()) {
            if (!makeParents) {
                return Step.fail(ErrorCode.PARENT_NOT_FOUND, "parent " + p + " of " + path + " does not exist");
            }
            missing.push(p); // the root always exists, so this loop ends
        }
        if (existing.getEphemeralSessionId() != 0) {
            return Step.fail(ErrorCode.EPHEMERAL_HAS_NO_CHILDREN, p + " is ephemeral (session "
                    + existing.getEphemeralSessionId() + ") and cannot have children");
        }
        while (!missing.isEmpty()) {
            addChild(missing.pop(), ByteString.EMPTY, 0, 0);
        }
        return null;
    }

    /** Stores a new znode under an existing parent and counts it there. */
    private ZnodeRecord addChild(ZPath path, ByteString data, long sessionId, long ttlMillis) {
        ZnodeRecord record = ZnodeRecord.newBuilder().setVersion(1).setCreateRevision(newRevision)
                .setModRevision(newRevision).setChildrenRevision(newRevision).setData(data)
                .setEphemeralSessionId(sessionId).setTtlMillis(ttlMillis).build();
        tree.put(path, record);
        ZnodeRecord parent = tree.get(path.parent());
        tree.put(path.parent(), parent.toBuilder().setNumChildren(parent.getNumChildren() + 1)
                .setChildrenRevision(newRevision).build());
        return record;
    }

    /**
     * FENCED unless {@code fence.token} is the create_revision of a waiter that currently holds the lock at
     * {@code fence.lock_path} ({@link LockQueue}); checked against the state before the command, in its entry, so
     * a fenced write and the check are one atomic step.
     */
    private Step checkFence(Fence fence) {
        ZPath dir = ZPath.parse(fence.getLockPath());
        long token = fence.getToken();
        List<String> names = tree.children(dir, LockQueue.WAITERS_READ_MAX - 1);
        List<LockQueue.Waiter> ordered = new ArrayList<>(names.size());
        int found = -1;
        for (String name : names) {
            ZnodeRecord r = tree.get(dir.child(name));
            ordered.add(LockQueue.waiter(name, r.getCreateRevision(), r.getData(), r.getEphemeralSessionId()));
            if (r.getCreateRevision() == token) {
                found = ordered.size() - 1;
                break;
            }
        }
        if (found >= 0 && LockQueue.holds(ordered, found)) {
            return null;
        }
        String why = found >= 0 ? "is a waiter that does not hold it yet" : "is not a waiter of it (released, its "
                + "session ended, or a token of another lock)";
        return Step.fail(ErrorCode.FENCED, "fencing token " + token + " of " + dir + " " + why + "; current holder "
                + "token(s): " + holderTokens(dir, names, ordered));
    }

    /** The holders' tokens for a FENCED message, e.g. "[42]" or "none". */
    private String holderTokens(ZPath dir, List<String> names, List<LockQueue.Waiter> read) {
        List<LockQueue.Waiter> ordered = new ArrayList<>(read);
        for (int i = ordered.size(); i < names.size() && i < 16; i++) {
            ZnodeRecord r = tree.get(dir.child(names.get(i)));
            ordered.add(LockQueue.waiter(names.get(i), r.getCreateRevision(), r.getData(), r.getEphemeralSessionId()));
        }
        List<Long> tokens = new ArrayList<>();
        for (int i = 0; i < ordered.size() && tokens.size() < 16 && LockQueue.holds(ordered, i); i++) {
            tokens.add(ordered.get(i).createRevision());
        }
        return tokens.isEmpty() ? "none" : tokens.toString();
    }

    /** The API view of a stored record. */
    static Stat stat(ZnodeRecord record) {
        return Stat.newBuilder().setVersion(record.getVersion()).setCreateRevision(record.getCreateRevision())
                .setModRevision(record.getModRevision()).setNumChildren(record.getNumChildren())
                .setDataLength(record.getData().size()).setChildrenRevision(record.getChildrenRevision())
                .setEphemeralSessionId(record.getEphemeralSessionId()).build();
    }
}
