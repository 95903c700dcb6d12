package io.kvstore.maintenance;

import java.io.IOException;

/** A snapshot file that is not one, is truncated, or fails its checksum. The message names the file and why. */
public final class SnapshotFileException extends IOException {
    public SnapshotFileException(String message) {
        super(message);
    }
}
