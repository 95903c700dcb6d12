package io.kvstore.raft.transport;

import io.kvstore.raft.core.Entry;
import io.kvstore.raft.core.Membership;
import io.kvstore.raft.core.Message;
import io.kvstore.raft.core.SnapshotMeta;
import io.kvstore.raft.transport.wire.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Converts {@link Message} records to and from protobuf {@link Frame}s. Entry payloads are shared, not copied: both
 * sides use the same immutable {@link com.google.protobuf.ByteString}. Stateless and thread-safe.
 */
final class MessageCodec {

    private MessageCodec() {}

    /** Wraps {@code message} in a frame; never fails for a valid record. */
    static Frame encode(Message message) {
        Frame.Builder frame = Frame.newBuilder();
        if (message instanceof Message.RequestVote m) {
            frame.setRequestVote(io.kvstore.raft.transport.wire.RequestVote.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setLastLogIndex(m.lastLogIndex()).setLastLogTerm(m.lastLogTerm()).setPreVote(m.preVote())
                    .setTransfer(m.transfer()));
        } else if (message instanceof Message.RequestVoteResponse m) {
            frame.setRequestVoteResponse(io.kvstore.raft.transport.wire.RequestVoteResponse.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setGranted(m.granted()).setPreVote(m.preVote()));
        } else if (message instanceof Message.AppendEntries m) {
            io.kvstore.raft.transport.wire.AppendEntries.Builder b =
                    io.kvstore.raft.transport.wire.AppendEntries.newBuilder()
                            .setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                            .setPrevLogIndex(m.prevLogIndex()).setPrevLogTerm(m.prevLogTerm())
                            .setLeaderCommit(m.leaderCommit());
            for (Entry e : m.entries()) {
                b.addEntries(encodeEntry(e));
            }
            frame.setAppendEntries(b);
        } else if (message instanceof Message.AppendEntriesResponse m) {
            frame.setAppendEntriesResponse(io.kvstore.raft.transport.wire.AppendEntriesResponse.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setSuccess(m.success())
                    .setIndex(m.index()).setHintIndex(m.hintIndex()).setHintTerm(m.hintTerm()));
        } else if (message instanceof Message.Heartbeat m) {
            frame.setHeartbeat(io.kvstore.raft.transport.wire.Heartbeat.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setCommit(m.commit()).setRound(m.round()));
        } else if (message instanceof Message.HeartbeatResponse m) {
            frame.setHeartbeatResponse(io.kvstore.raft.transport.wire.HeartbeatResponse.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setRound(m.round()));
        } else if (message instanceof Message.InstallSnapshot m) {
            frame.setInstallSnapshot(io.kvstore.raft.transport.wire.InstallSnapshot.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setIndex(m.meta().index())
                    .setSnapshotTerm(m.meta().term()).setMembership(encodeMembership(m.meta().membership())));
        } else if (message instanceof Message.TimeoutNow m) {
            frame.setTimeoutNow(io.kvstore.raft.transport.wire.TimeoutNow.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()));
        } else if (message instanceof Message.ReadIndexRequest m) {
            frame.setReadIndexRequest(io.kvstore.raft.transport.wire.ReadIndexRequest.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setRequestId(m.requestId()));
        } else if (message instanceof Message.ReadIndexResponse m) {
            frame.setReadIndexResponse(io.kvstore.raft.transport.wire.ReadIndexResponse.newBuilder()
                    .setFrom(m.from()).setTo(m.to()).setTerm(m.term()).setRequestId(m.requestId())
                    .setIndex(m.index()));
        } else {
            // Message is sealed: a new record type must get a wire message before it can be sent.
            throw new IllegalStateException("no wire encoding for " + message.getClass().getName());
        }
        return frame.build();
    }

    /**
     * Unwraps the raft message of a frame.
     *
     * @throws IllegalArgumentException when the frame is a handshake frame, of an unknown kind, or carries values a
     *     record rejects (a corrupt or hostile peer); the transport drops such frames
     */
    static Message decode(Frame frame) {
        switch (frame.getKindCase()) {
            case REQUEST_VOTE -> {
                var m = frame.getRequestVote();
                return new Message.RequestVote(m.getFrom(), m.getTo(), m.getTerm(),
                        m.getLastLogIndex(), m.getLastLogTerm(), m.getPreVote(), m.getTransfer());
            }
            case REQUEST_VOTE_RESPONSE -> {
                var m = frame.getRequestVoteResponse();
                return new Message.RequestVoteResponse(m.getFrom(), m.getTo(), m.getTerm(),
                        m.getGranted(), m.getPreVote());
            }
            case APPEND_ENTRIES -> {
                var m = frame.getAppendEntries();
                List<Entry> entries = new ArrayList<>(m.getEntriesCount());
                for (var e : m.getEntriesList()) {
                    entries.add(decodeEntry(e));
                }
                return new Message.AppendEntries(m.getFrom(), m.getTo(), m.getTerm(),
                        m.getPrevLogIndex(), m.getPrevLogTerm(), entries, m.getLeaderCommit());
            }
            case APPEND_ENTRIES_RESPONSE -> {
                var m = frame.getAppendEntriesResponse();
                return new Message.AppendEntriesResponse(m.getFrom(), m.getTo(), m.getTerm(), m.getSuccess(),
                        m.getIndex(), m.getHintIndex(), m.getHintTerm());
            }
            case HEARTBEAT -> {
                var m = frame.getHeartbeat();
                return new Message.Heartbeat(m.getFrom(), m.getTo(), m.getTerm(), m.getCommit(), m.getRound());
            }
            case HEARTBEAT_RESPONSE -> {
                var m = frame.getHeartbeatResponse();
                return new Message.HeartbeatResponse(m.getFrom(), m.getTo(), m.getTerm(), m.getRound());
            }
            case INSTALL_SNAPSHOT -> {
                var m = frame.getInstallSnapshot();
                return new Message.InstallSnapshot(m.getFrom(), m.getTo(), m.getTerm(),
                        new SnapshotMeta(m.getIndex(), m.getSnapshotTerm(), decodeMembership(m.getMembership())));
            }
            case TIMEOUT_NOW -> {
                var m = frame.getTimeoutNow();
                return new Message.TimeoutNow(m.getFrom(), m.getTo(), m.getTerm());
            }
            case READ_INDEX_REQUEST -> {
                var m = frame.getReadIndexRequest();
                return new Message.ReadIndexRequest(m.getFrom(), m.getTo(), m.getTerm(), m.getRequestId());
            }
            case READ_INDEX_RESPONSE -> {
                var m = frame.getReadIndexResponse();
                return new Message.ReadIndexResponse(m.getFrom(), m.getTo(), m.getTerm(), m.getRequestId(),
                        m.getIndex());
            }
            default -> throw new IllegalArgumentException("frame carries no raft message: " + frame.getKindCase());
        }
    }

    private static io.kvstore.raft.transport.wire.Membership encodeMembership(Membership m) {
        return io.kvstore.raft.transport.wire.Membership.newBuilder()
                .addAllVoters(new TreeSet<>(m.voters())).addAllLearners(new TreeSet<>(m.learners()))
                .putAllAddresses(m.addresses()).build();
    }

    private static Membership decodeMembership(io.kvstore.raft.transport.wire.Membership m) {
        return new Membership(new TreeSet<>(m.getVotersList()), new TreeSet<>(m.getLearnersList()),
                m.getAddressesMap());
    }

    private static io.kvstore.raft.transport.wire.Entry encodeEntry(Entry e) {
        var type = switch (e.type()) {
            case NOOP -> io.kvstore.raft.transport.wire.Entry.Type.NOOP;
            case COMMAND -> io.kvstore.raft.transport.wire.Entry.Type.COMMAND;
            case CONFIG -> io.kvstore.raft.transport.wire.Entry.Type.CONFIG;
        };
        return io.kvstore.raft.transport.wire.Entry.newBuilder()
                .setIndex(e.index()).setTerm(e.term()).setType(type).setData(e.data()).build();
    }

    private static Entry decodeEntry(io.kvstore.raft.transport.wire.Entry e) {
        Entry.Type type = switch (e.getType()) {
            case NOOP -> Entry.Type.NOOP;
            case COMMAND -> Entry.Type.COMMAND;
            case CONFIG -> Entry.Type.CONFIG;
            default -> throw new IllegalArgumentException("unknown entry type " + e.getTypeValue()
                    + " at index " + e.getIndex());
        };
        return new Entry(e.getIndex(), e.getTerm(), type, e.getData());
    }
}
