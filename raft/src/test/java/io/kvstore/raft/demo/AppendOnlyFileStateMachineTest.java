package io.kvstore.raft.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendOnlyFileStateMachineTest {
    @TempDir
    Path dir;

    @Test
    void recoversAppliedIndexAndCutsATornLastLine() throws Exception {
        Path file = dir.resolve("applied.log");
        try (AppendOnlyFileStateMachine sm = new AppendOnlyFileStateMachine(file)) {
            assertEquals(0, sm.appliedIndex());
            sm.apply(new Entry(1, 1, Entry.Type.NOOP, ByteString.EMPTY));
            assertEquals(2L, sm.apply(new Entry(2, 1, Entry.Type.COMMAND, ByteString.copyFromUtf8("a\nb"))));
        }
        Files.writeString(file, "3\tpart", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // crash mid-write
        try (AppendOnlyFileStateMachine sm = new AppendOnlyFileStateMachine(file)) {
            assertEquals(2, sm.appliedIndex());
            sm.apply(new Entry(3, 2, Entry.Type.COMMAND, ByteString.copyFromUtf8("c")));
        }
        assertEquals(List.of("2\ta\\nb", "3\tc"), AppendOnlyFileStateMachine.readLines(file));
    }
}
