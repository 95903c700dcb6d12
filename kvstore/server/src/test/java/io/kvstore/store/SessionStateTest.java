package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionCloseResponse;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.SessionOpenResponse;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.auth.PasswordHasher;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.AddUser;
import io.kvstore.store.command.CheckpointSessions;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.ExpireSessions;
import io.kvstore.store.command.ExpireTtlZnodes;
import io.kvstore.store.command.SessionCheckpoint;
import io.kvstore.store.command.TtlZnode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions, ephemeral, sequential and TTL znodes in the replicated state, entry by entry. */
class SessionStateTest {

    @TempDir
    Path dir;
    private KvStateMachine store;
    private long index;

    @BeforeEach
    void open() {
        store = new KvStateMachine(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void sessionIdIsTheIndexOfItsOpenAndExactlyOnce() {
        Command open = Command.newBuilder().setClientId("c").setSequence(1)
                .setOpenSession(SessionOpenRequest.newBuilder().setTtlMillis(2_000)).build();
        SessionOpenResponse first = success(apply(open), SessionOpenResponse.class);
        assertEquals(index, first.getSessionId());
        assertEquals(first, success(apply(open), SessionOpenResponse.class), "a retry gets the same session");
        assertEquals(1, store.sessions().size());
        assertEquals(0, store.revision(), "opening a session does not change the tree");
    }

    @Test
    void closeDeletesEphemeralsInOneRevision() {
        long id = openSession();
        create(CreateRequest.newBuilder().setPath("/e1").setSessionId(id));
        create(CreateRequest.newBuilder().setPath("/dir/e2").setMakeParents(true).setSessionId(id));
        create(CreateRequest.newBuilder().setPath("/keep"));
        assertEquals(id, store.get(ZPath.parse("/e1")).znode().stat().getEphemeralSessionId());
        assertEquals(2, store.session(id).orElseThrow().ephemeralCount());
        long before = store.revision();

        SessionCloseResponse closed = success(apply(Command.newBuilder()
                .setCloseSession(SessionCloseRequest.newBuilder().setSessionId(id)).build()),
                SessionCloseResponse.class);
        assertEquals(2, closed.getDeleted());
        assertEquals(before + 1, store.revision());
        assertFalse(store.get(ZPath.parse("/e1")).found());
        assertFalse(store.get(ZPath.parse("/dir/e2")).found());
        assertTrue(store.get(ZPath.parse("/dir")).found(), "make_parents ancestors are persistent");
        assertEquals(0, store.get(ZPath.parse("/dir")).znode().stat().getNumChildren());
        assertTrue(store.get(ZPath.parse("/keep")).found());
        assertTrue(store.session(id).isEmpty());
        assertEquals(ErrorCode.SESSION_EXPIRED, failure(CreateRequest.newBuilder().setPath("/e3").setSessionId(id)));
    }

    @Test
    void expiryEndsLiveSessionsAndSkipsEndedOnes() {
        long a = openSession();
        long b = openSession();
        create(CreateRequest.newBuilder().setPath("/a").setSessionId(a));
        create(CreateRequest.newBuilder().setPath("/b").setSessionId(b));
        apply(Command.newBuilder().setCloseSession(SessionCloseRequest.newBuilder().setSessionId(b)).build());
        SessionCloseResponse expired = success(apply(Command.newBuilder().setExpireSessions(
                ExpireSessions.newBuilder().addSessionId(a).addSessionId(b)).build()), SessionCloseResponse.class);
        assertEquals(1, expired.getDeleted());
        assertTrue(store.sessions().isEmpty());
        assertFalse(store.get(ZPath.parse("/a")).found());
    }

    @Test
    void checkpointStoresRemainingTimeWithoutRevisionOrEventsAndSurvivesRestartAndSnapshot() throws Exception {
        long a = openSession();
        long b = openSession();
        create(CreateRequest.newBuilder().setPath("/a").setSessionId(a));
        apply(Command.newBuilder().setCloseSession(SessionCloseRequest.newBuilder().setSessionId(b)).build());
        assertEquals(-1, store.session(a).orElseThrow().checkpointMillis(), "never checkpointed");
        List<Long> revisionsSeen = new ArrayList<>();
        store.setChangeListener((revision, events) -> revisionsSeen.add(revision));
        long before = store.revision();

        assertInstanceOf(WriteResult.Success.class, apply(checkpoint(a, 700, b, 300)));
        assertEquals(before, store.revision(), "a checkpoint changes no znode: no revision");
        assertEquals(List.of(), revisionsSeen, "and no watch event");
        KvStateMachine.LiveSession stored = store.session(a).orElseThrow();
        assertEquals(700, stored.checkpointMillis());
        assertEquals(1, stored.ephemeralCount(), "the rest of the record is kept");
        assertTrue(store.session(b).isEmpty(), "an ended session is skipped, not revived");
        apply(checkpoint(a, 0, b, 0));
        assertEquals(0, store.session(a).orElseThrow().checkpointMillis(), "0 is a checkpoint, not 'never'");
        assertEquals(before, store.revision());

        Path snapshot = dir.resolveSibling(dir.getFileName() + "-snap");
        Files.createDirectories(snapshot);
        store.snapshot(snapshot);
        apply(checkpoint(a, 900, b, 1));
        store.close();
        store = new KvStateMachine(dir);
        assertEquals(900, store.session(a).orElseThrow().checkpointMillis(), "survives a restart");
        index--; // the snapshot holds the entries before the last checkpoint
        store.restore(snapshot, index);
        assertEquals(0, store.session(a).orElseThrow().checkpointMillis(), "and travels in snapshots");
        assertEquals(before, store.revision());

        Command withClient = checkpoint(a, 5, b, 5).toBuilder().setClientId("c").setSequence(1).build();
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertInstanceOf(Failure.class, apply(withClient)).code());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertInstanceOf(Failure.class,
                apply(checkpoint(a, -1, b, 5))).code());
    }

    private static Command checkpoint(long a, long remainingA, long b, long remainingB) {
        return Command.newBuilder().setCheckpointSessions(CheckpointSessions.newBuilder()
                .addCheckpoint(SessionCheckpoint.newBuilder().setSessionId(a).setRemainingMillis(remainingA))
                .addCheckpoint(SessionCheckpoint.newBuilder().setSessionId(b).setRemainingMillis(remainingB)))
                .build();
    }

    @Test
    void ephemeralsHaveNoChildrenAndDeletesKeepTheCount() {
        long id = openSession();
        create(CreateRequest.newBuilder().setPath("/e").setSessionId(id));
        assertEquals(ErrorCode.EPHEMERAL_HAS_NO_CHILDREN, failure(CreateRequest.newBuilder().setPath("/e/c")));
        assertEquals(ErrorCode.EPHEMERAL_HAS_NO_CHILDREN, failure(CreateRequest.newBuilder().setPath("/e/c/d")
                .setMakeParents(true)));
        apply(Command.newBuilder().setDelete(DeleteRequest.newBuilder().setPath("/e")).build());
        assertEquals(0, store.session(id).orElseThrow().ephemeralCount());
        SessionCloseResponse closed = success(apply(Command.newBuilder()
                .setCloseSession(SessionCloseRequest.newBuilder().setSessionId(id)).build()),
                SessionCloseResponse.class);
        assertEquals(0, closed.getDeleted());
    }

    @Test
    void sequentialNamesIncreasePerParentAndSurviveDeletes() {
        create(CreateRequest.newBuilder().setPath("/q"));
        CreateResponse first = create(CreateRequest.newBuilder().setPath("/q/n-").setSequential(true));
        assertEquals("/q/n-0000000000000000000", first.getPath());
        apply(Command.newBuilder().setDelete(DeleteRequest.newBuilder().setPath(first.getPath())).build());
        CreateResponse second = create(CreateRequest.newBuilder().setPath("/q/n-").setSequential(true));
        assertEquals("/q/n-0000000000000000001", second.getPath(), "the counter survives deletes of children");
        CreateResponse other = create(CreateRequest.newBuilder().setPath("/r/x").setMakeParents(true)
                .setSequential(true));
        assertEquals("/r/x0000000000000000000", other.getPath(), "one counter per parent");
    }

    @Test
    void ttlExpiryDeletesOnlyAnUnchangedZnode() {
        CreateResponse created = create(CreateRequest.newBuilder().setPath("/t").setTtlMillis(1_000));
        assertEquals(1, store.ttlZnodes().size());
        long seen = created.getStat().getModRevision();
        apply(Command.newBuilder().setPut(PutRequest.newBuilder().setPath("/t")
                .setValue(ByteString.copyFromUtf8("refresh"))).build());
        apply(expireTtl("/t", seen));
        assertTrue(store.get(ZPath.parse("/t")).found(), "a put since the leader looked refreshed it");
        long now = store.get(ZPath.parse("/t")).znode().stat().getModRevision();
        apply(expireTtl("/t", now));
        assertFalse(store.get(ZPath.parse("/t")).found());
        assertTrue(store.ttlZnodes().isEmpty());
    }

    /**
     * Issue 9 at apply time, where it cannot race the open: a create or close naming another user's session fails
     * PERMISSION_DENIED; the owner, root, and a caller while auth was off ("") may use it, and so may anyone a
     * session opened while auth was off (no owner).
     */
    @Test
    void aSessionIsUsableOnlyByItsOwnerOrRootOrWithoutOwner() {
        apply(Command.newBuilder().setUserAdd(AddUser.newBuilder().setName("root")
                .setPassword(new PasswordHasher(1_000).hash("pw"))).build());
        long alices = success(apply(Command.newBuilder().setCaller("alice").setOpenSession(SessionOpenRequest
                .newBuilder().setTtlMillis(1_000)).build()), SessionOpenResponse.class).getSessionId();
        long ownerless = openSession();

        WriteResult bobCreates = apply(Command.newBuilder().setCaller("bob").setCreate(CreateRequest.newBuilder()
                .setPath("/bob").setSessionId(alices)).build());
        Failure denied = assertInstanceOf(Failure.class, bobCreates);
        assertEquals(ErrorCode.PERMISSION_DENIED, denied.code());
        assertFalse(denied.message().contains("alice"), "the owner is not told: " + denied.message());
        assertEquals(ErrorCode.PERMISSION_DENIED, assertInstanceOf(Failure.class, apply(Command.newBuilder()
                .setCaller("bob").setTxn(TxnRequest.newBuilder().addSuccess(TxnOp.newBuilder().setCreate(
                        CreateRequest.newBuilder().setPath("/bob-txn").setSessionId(alices)))).build())).code());
        assertEquals(ErrorCode.PERMISSION_DENIED, assertInstanceOf(Failure.class, apply(Command.newBuilder()
                .setCaller("bob").setCloseSession(SessionCloseRequest.newBuilder().setSessionId(alices)).build()))
                .code());
        assertFalse(store.get(ZPath.parse("/bob")).found());
        assertEquals(0, store.session(alices).orElseThrow().ephemeralCount());
        assertEquals(java.util.Optional.of("alice"), store.sessionOwner(alices));

        for (String caller : List.of("alice", "root", "")) {
            success(apply(Command.newBuilder().setCaller(caller).setCreate(CreateRequest.newBuilder()
                    .setPath("/by-" + caller).setSessionId(alices)).build()), CreateResponse.class);
        }
        success(apply(Command.newBuilder().setCaller("bob").setCreate(CreateRequest.newBuilder()
                .setPath("/bob-ownerless").setSessionId(ownerless)).build()), CreateResponse.class);
        assertEquals(java.util.Optional.of(""), store.sessionOwner(ownerless));
        assertEquals(3, success(apply(Command.newBuilder().setCaller("root").setCloseSession(SessionCloseRequest
                .newBuilder().setSessionId(alices)).build()), SessionCloseResponse.class).getDeleted());
    }

    private static Command expireTtl(String path, long modRevision) {
        return Command.newBuilder().setExpireTtlZnodes(ExpireTtlZnodes.newBuilder()
                .addZnode(TtlZnode.newBuilder().setPath(path).setModRevision(modRevision))).build();
    }

    private long openSession() {
        return success(apply(Command.newBuilder().setOpenSession(SessionOpenRequest.newBuilder().setTtlMillis(1_000))
                .build()), SessionOpenResponse.class).getSessionId();
    }

    private CreateResponse create(CreateRequest.Builder request) {
        return success(apply(Command.newBuilder().setCreate(request).build()), CreateResponse.class);
    }

    private ErrorCode failure(CreateRequest.Builder request) {
        return assertInstanceOf(Failure.class, apply(Command.newBuilder().setCreate(request).build())).code();
    }

    private WriteResult apply(Command command) {
        index++;
        return store.apply(new Entry(index, 1, Entry.Type.COMMAND, command.toByteString()));
    }

    private static <T> T success(WriteResult result, Class<T> type) {
        WriteResult.Success s = assertInstanceOf(WriteResult.Success.class, result, () -> result.toString());
        return assertInstanceOf(type, s.response());
    }
}
