package io.kvstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.command.Command;
import io.kvstore.store.command.PublishMember;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot (RocksDB checkpoint) and restore (directory swap), including a swap a crash interrupted. */
class KvStateMachineSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void restoreReplacesTheWholeStateWithTheSnapshot() throws Exception {
        Path snapshot = dir.resolve("snap");
        Files.createDirectories(snapshot);
        try (KvStateMachine store = new KvStateMachine(dir.resolve("state"))) {
            store.apply(entry(1, publish("n1", "a:1")));
            assertNull(store.apply(new Entry(2, 1, Entry.Type.CONFIG, ByteString.copyFromUtf8("voters=n1;learners="))));
            store.snapshot(snapshot);
            store.apply(entry(3, publish("n1", "b:2")));
            store.apply(entry(4, publish("n2", "c:3")));
            store.restore(snapshot, 2);
            assertEquals(2, store.appliedIndex());
            assertEquals(Optional.of("a:1"), store.clientAddressOf("n1"));
            assertEquals(Optional.empty(), store.clientAddressOf("n2"));
            store.apply(entry(3, publish("n2", "d:4")));
            assertEquals(Optional.of("d:4"), store.clientAddressOf("n2"));
        }
        assertFalse(Files.exists(dir.resolve("state.new")));
        assertFalse(Files.exists(dir.resolve("state.old")));
        try (KvStateMachine reopened = new KvStateMachine(dir.resolve("state"))) {
            assertEquals(3, reopened.appliedIndex());
        }
    }

    @Test
    void openFinishesASwapInterruptedBetweenTheRenames() throws Exception {
        Path snapshot = dir.resolve("snap");
        Files.createDirectories(snapshot);
        try (KvStateMachine store = new KvStateMachine(dir.resolve("state"))) {
            store.apply(entry(1, publish("n1", "new:1")));
            store.snapshot(snapshot);
        }
        // The crash came after "state" was renamed to "state.old" and before "state.new" was renamed in.
        try (KvStateMachine other = new KvStateMachine(dir.resolve("other"))) {
            other.apply(entry(1, publish("n1", "old:1")));
        }
        Files.move(dir.resolve("other"), dir.resolve("x.old"));
        copyTree(snapshot.resolve("db"), dir.resolve("x.new"));
        try (KvStateMachine recovered = new KvStateMachine(dir.resolve("x"))) {
            assertEquals(Optional.of("new:1"), recovered.clientAddressOf("n1"));
        }
        assertFalse(Files.exists(dir.resolve("x.old")));
        assertFalse(Files.exists(dir.resolve("x.new")));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static Command publish(String member, String address) {
        return Command.newBuilder().setPublishMember(
                PublishMember.newBuilder().setMemberId(member).setClientAddress(address)).build();
    }

    private static Entry entry(long index, Command command) {
        return new Entry(index, 1, Entry.Type.COMMAND, command.toByteString());
    }
}
