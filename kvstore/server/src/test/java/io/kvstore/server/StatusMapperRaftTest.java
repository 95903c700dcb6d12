package io.kvstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.raft.NotLeaderException;
import io.kvstore.raft.ProposalDroppedException;
import io.kvstore.raft.ProposalOutcomeUnknownException;
import io.kvstore.raft.RaftBusyException;
import io.kvstore.raft.RaftClosedException;
import io.kvstore.server.StatusMapper.CallKind;
import io.kvstore.server.StatusMapper.Leader;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** One test per row of StatusMapper's raft and forwarding table. */
class StatusMapperRaftTest {

    private static final Leader N2 = new Leader("n2", "127.0.0.1:7381");

    @Test
    void notLeaderCarriesTheLeaderTrailers() {
        StatusRuntimeException e = StatusMapper.ofRaft(new CompletionException(new NotLeaderException("n1", "n2")),
                CallKind.WRITE, N2);
        assertRow(e, Status.Code.UNAVAILABLE, ErrorCode.NOT_LEADER);
        assertEquals("n2", e.getTrailers().get(ErrorTrailers.LEADER_ID));
        assertEquals("127.0.0.1:7381", e.getTrailers().get(ErrorTrailers.LEADER_ADDRESS));
    }

    @Test
    void notLeaderWithAFresherHintNamesItWithoutAStaleAddress() {
        StatusRuntimeException e = StatusMapper.ofRaft(new NotLeaderException("n1", "n3"), CallKind.READ, N2);
        assertEquals("n3", e.getTrailers().get(ErrorTrailers.LEADER_ID));
        assertNull(e.getTrailers().get(ErrorTrailers.LEADER_ADDRESS));
    }

    @Test
    void busyIsResourceExhausted() {
        assertRow(StatusMapper.ofRaft(new RaftBusyException("full"), CallKind.WRITE, N2),
                Status.Code.RESOURCE_EXHAUSTED, ErrorCode.BUSY);
    }

    @Test
    void droppedProposalIsNoQuorum() {
        assertRow(StatusMapper.ofRaft(new ProposalDroppedException(5, 1, 2), CallKind.WRITE, N2),
                Status.Code.UNAVAILABLE, ErrorCode.NO_QUORUM);
    }

    @Test
    void proposalCoveredByAnInstalledSnapshotIsOutcomeUnknown() {
        assertRow(StatusMapper.ofRaft(new ProposalOutcomeUnknownException(5, 9), CallKind.WRITE, N2),
                Status.Code.UNAVAILABLE, ErrorCode.OUTCOME_UNKNOWN);
    }

    @Test
    void closedIsOutcomeUnknownForWritesAndNoQuorumForReads() {
        assertRow(StatusMapper.ofRaft(new RaftClosedException("closed"), CallKind.WRITE, N2),
                Status.Code.UNAVAILABLE, ErrorCode.OUTCOME_UNKNOWN);
        assertRow(StatusMapper.ofRaft(new RaftClosedException("closed"), CallKind.READ, N2),
                Status.Code.UNAVAILABLE, ErrorCode.NO_QUORUM);
    }

    @Test
    void deadlineIsDeadlineExceededWithOutcomeUnknownForWrites() {
        assertRow(StatusMapper.ofRaft(new TimeoutException(), CallKind.WRITE, N2),
                Status.Code.DEADLINE_EXCEEDED, ErrorCode.OUTCOME_UNKNOWN);
        assertRow(StatusMapper.ofRaft(new TimeoutException(), CallKind.READ, N2),
                Status.Code.DEADLINE_EXCEEDED, ErrorCode.NO_QUORUM);
    }

    @Test
    void anythingElseIsInternalWithoutReason() {
        StatusRuntimeException e = StatusMapper.ofRaft(new IllegalStateException("bug"), CallKind.READ, N2);
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertNull(e.getTrailers());
    }

    @Test
    void noLeaderIsNoQuorum() {
        assertRow(StatusMapper.noLeader("n1"), Status.Code.UNAVAILABLE, ErrorCode.NO_QUORUM);
    }

    @Test
    void leaderStatusWithReasonPassesThrough() {
        Metadata trailers = new Metadata();
        trailers.put(ErrorTrailers.REASON, "NOT_FOUND");
        StatusRuntimeException fromLeader = Status.NOT_FOUND.withDescription("gone").asRuntimeException(trailers);
        StatusRuntimeException e = StatusMapper.ofForwarded(fromLeader, CallKind.READ, N2);
        assertRow(e, Status.Code.NOT_FOUND, ErrorCode.NOT_FOUND);
        assertEquals("gone", e.getStatus().getDescription());
    }

    @Test
    void refusedConnectionIsNotLeaderEvenForWrites() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withCause(new ConnectException("refused"))
                .asRuntimeException();
        StatusRuntimeException e = StatusMapper.ofForwarded(refused, CallKind.WRITE, N2);
        assertRow(e, Status.Code.UNAVAILABLE, ErrorCode.NOT_LEADER);
        assertEquals("127.0.0.1:7381", e.getTrailers().get(ErrorTrailers.LEADER_ADDRESS));
    }

    @Test
    void brokenConnectionLeavesAWriteOutcomeUnknownAndAReadRetryable() {
        StatusRuntimeException reset = Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException();
        assertRow(StatusMapper.ofForwarded(reset, CallKind.WRITE, N2), Status.Code.UNAVAILABLE,
                ErrorCode.OUTCOME_UNKNOWN);
        assertRow(StatusMapper.ofForwarded(reset, CallKind.READ, N2), Status.Code.UNAVAILABLE, ErrorCode.NOT_LEADER);
    }

    @Test
    void forwardedDeadlineIsDeadlineExceededWithReason() {
        assertRow(StatusMapper.ofForwarded(Status.DEADLINE_EXCEEDED.asRuntimeException(), CallKind.WRITE, N2),
                Status.Code.DEADLINE_EXCEEDED, ErrorCode.OUTCOME_UNKNOWN);
    }

    private static void assertRow(StatusRuntimeException e, Status.Code code, ErrorCode reason) {
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(reason.name(), e.getTrailers().get(ErrorTrailers.REASON), e.toString());
    }
}
