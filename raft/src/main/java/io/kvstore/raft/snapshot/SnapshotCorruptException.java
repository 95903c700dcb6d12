package io.kvstore.raft.snapshot;

import java.io.IOException;

/** A snapshot's manifest or one of its files does not match its checksum, size or name. */
public final class SnapshotCorruptException extends IOException {
    public SnapshotCorruptException(String message) {
        super(message);
    }
}
