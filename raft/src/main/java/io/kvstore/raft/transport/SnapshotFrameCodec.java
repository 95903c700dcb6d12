package io.kvstore.raft.transport;

import io.kvstore.raft.transport.wire.Frame;

/** Converts {@link SnapshotFrame}s to and from protobuf {@link Frame}s. Stateless and thread-safe. */
final class SnapshotFrameCodec {
    private SnapshotFrameCodec() {}

    static boolean isSnapshotFrame(Frame frame) {
        return frame.hasSnapshotChunkRequest() || frame.hasSnapshotChunk();
    }

    static Frame encode(SnapshotFrame frame) {
        if (frame instanceof SnapshotFrame.ChunkRequest r) {
            return Frame.newBuilder().setSnapshotChunkRequest(io.kvstore.raft.transport.wire.SnapshotChunkRequest
                    .newBuilder().setFrom(r.from()).setTo(r.to()).setIndex(r.index()).setTerm(r.term())
                    .setFile(r.file()).setOffset(r.offset()).setMaxBytes(r.maxBytes())).build();
        }
        SnapshotFrame.Chunk c = (SnapshotFrame.Chunk) frame;
        return Frame.newBuilder().setSnapshotChunk(io.kvstore.raft.transport.wire.SnapshotChunk.newBuilder()
                .setFrom(c.from()).setTo(c.to()).setIndex(c.index()).setTerm(c.term()).setManifest(c.manifest())
                .setFile(c.file()).setOffset(c.offset()).setData(c.data()).setCrc32C(c.crc32c()).setEof(c.eof())
                .setError(c.error())).build();
    }

    /**
     * @throws IllegalArgumentException when the frame is not a snapshot frame or carries values a record rejects
     */
    static SnapshotFrame decode(Frame frame) {
        if (frame.hasSnapshotChunkRequest()) {
            var r = frame.getSnapshotChunkRequest();
            return new SnapshotFrame.ChunkRequest(r.getFrom(), r.getTo(), r.getIndex(), r.getTerm(), r.getFile(),
                    r.getOffset(), r.getMaxBytes());
        }
        if (frame.hasSnapshotChunk()) {
            var c = frame.getSnapshotChunk();
            return new SnapshotFrame.Chunk(c.getFrom(), c.getTo(), c.getIndex(), c.getTerm(), c.getManifest(),
                    c.getFile(), c.getOffset(), c.getData(), c.getCrc32C(), c.getEof(), c.getError());
        }
        throw new IllegalArgumentException("not a snapshot frame: " + frame.getKindCase());
    }
}
