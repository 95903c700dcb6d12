package io.kvstore.raft.transport;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * The frames of the snapshot transfer, which travel beside raft {@link io.kvstore.raft.core.Message}s but never
 * reach the raft core: requests go to the leader's snapshot server, chunks to the follower's fetcher. Immutable.
 * The protocol is described in {@code raft/v1/raft.proto} and docs/raft.md.
 */
public sealed interface SnapshotFrame {
    String from();

    String to();

    /** Index of the snapshot. */
    long index();

    /** Term of the snapshot's last entry. */
    long term();

    /**
     * Follower to leader: send up to {@code maxBytes} of {@code file} from {@code offset}; an empty {@code file} asks
     * for the manifest.
     */
    record ChunkRequest(String from, String to, long index, long term, String file, long offset, int maxBytes)
            implements SnapshotFrame {
        public ChunkRequest {
            Objects.requireNonNull(file, "file");
            if (offset < 0 || maxBytes < 1) {
                throw new IllegalArgumentException("bad chunk request: offset " + offset + ", maxBytes " + maxBytes);
            }
        }
    }

    /**
     * Leader to follower: {@code data} of {@code file} at {@code offset} with its CRC32C, {@code eof} when it ends
     * the file; or the {@code manifest} bytes (empty {@code file}); or a non-empty {@code error}.
     */
    record Chunk(String from, String to, long index, long term, ByteString manifest, String file, long offset,
                 ByteString data, int crc32c, boolean eof, String error) implements SnapshotFrame {
        public Chunk {
            Objects.requireNonNull(manifest, "manifest");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(error, "error");
        }

        public static Chunk error(ChunkRequest request, String error) {
            return new Chunk(request.to(), request.from(), request.index(), request.term(), ByteString.EMPTY,
                    request.file(), request.offset(), ByteString.EMPTY, 0, false, error);
        }
    }
}
