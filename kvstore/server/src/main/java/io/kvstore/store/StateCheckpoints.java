package io.kvstore.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Reads what a RocksDB checkpoint of a {@link KvStateMachine} stands for, without opening it as a state machine:
 * used by kvctl's offline snapshot tools. Stateless; any thread.
 */
public final class StateCheckpoints {
    static {
        RocksDB.loadLibrary();
    }

    private StateCheckpoints() {
    }

    /** The raft index and store revision a checkpoint directory holds. */
    public record Position(long appliedIndex, long revision) {}

    /**
     * Opens {@code dbDir} read-only and reads its applied index and revision.
     *
     * @throws IOException when it is not a readable RocksDB directory
     */
    public static Position read(Path dbDir) throws IOException {
        try (Options options = new Options(); RocksDB db = RocksDB.openReadOnly(options, dbDir.toString())) {
            return new Position(StoreKeys.decodeLong(db.get(StoreKeys.APPLIED_INDEX)),
                    StoreKeys.decodeLong(db.get(StoreKeys.REVISION)));
        } catch (RocksDBException e) {
            throw new IOException("cannot read the state checkpoint in " + dbDir + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of the regular files under {@code dir}; files deleted while walking are skipped. */
    public static long directoryBytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(StateCheckpoints::sizeOrZero).sum();
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UncheckedIOException e) {
            return 0; // a directory vanished under the walk (RocksDB compaction): no size is better than a failure
        }
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
