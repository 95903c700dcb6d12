package io.kvstore.raft.log;

import java.io.IOException;
import java.util.List;

/**
 * The few file-system operations the write-ahead log needs, so the same log code runs on a real directory
 * ({@link FileDisk}) and on a simulated disk that can lose power (tests).
 *
 * <p>One directory, flat names. Not thread-safe: used by the one thread that owns the {@link LogStore}.
 * A created or deleted name is durable only after {@link #syncDirectory()}; a file's bytes are durable only after
 * {@link DiskFile#force()}. Every {@link IOException} means the disk is unusable: the caller stops the member.
 */
public interface Disk {

    /** Names of the files in the directory, in no particular order; never null. */
    List<String> list() throws IOException;

    /** Opens {@code name}, creating an empty file if it does not exist. The caller closes the returned file. */
    DiskFile open(String name) throws IOException;

    /** Deletes {@code name}; deleting a missing file is not an error. */
    void delete(String name) throws IOException;

    /** Makes earlier creations and deletions of names durable (fsync of the directory). */
    void syncDirectory() throws IOException;
}
