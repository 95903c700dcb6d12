package io.kvstore.server.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.SessionCloseRequest;
import io.kvstore.api.v1.SessionOpenRequest;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.raft.core.Entry;
import io.kvstore.store.Commands;
import io.kvstore.store.Failure;
import io.kvstore.store.KvStateMachine;
import io.kvstore.store.Lookup;
import io.kvstore.store.RequestValidator;
import io.kvstore.store.ZPath;
import io.kvstore.store.command.Command;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the decoding and validation path without a network: arbitrary and mutated bytes for every kvstore.v1
 * request the validator covers, decoded as the server decodes them, validated, turned into the replicated command
 * and applied to a real {@link KvStateMachine}, and raw bytes applied as log entries (the state machine must not
 * trust its log either). Nothing may throw but the decoder's own InvalidProtocolBufferException; a request the
 * validator accepts must become a command the state machine's validator accepts; the known key stays unchanged and
 * the tree size the quota uses agrees with a fresh scan. Seeded: {@code -Dfuzz.seed=N}, {@code -Dfuzz.iterations=N}.
 */
class RequestFuzzTest {

    private static final List<Message> TYPES = List.of(GetRequest.getDefaultInstance(),
            ExistsRequest.getDefaultInstance(), ListRequest.getDefaultInstance(), CreateRequest.getDefaultInstance(),
            PutRequest.getDefaultInstance(), DeleteRequest.getDefaultInstance(), TxnRequest.getDefaultInstance(),
            SessionOpenRequest.getDefaultInstance(), SessionCloseRequest.getDefaultInstance(),
            Command.getDefaultInstance());

    @Test
    void decodingValidationAndApplyNeverCrashOrCorrupt(@TempDir Path dir) {
        KvStateMachine[] store = {new KvStateMachine(dir.resolve("state"))};
        long[] index = {0};
        int[] accepted = {0};
        try {
            ByteString known = ByteString.copyFromUtf8("keep me");
            apply(store[0], ++index[0], Command.newBuilder().setPut(PutRequest.newBuilder().setPath(
                    FuzzInputs.KNOWN_PATH).setValue(known)).build().toByteString());
            FuzzRun.run("RequestFuzzTest", 2_000, (iteration, random) -> {
                Message type = TYPES.get(random.nextInt(TYPES.size()));
                byte[] input = FuzzInputs.input(type, random);
                Message decoded;
                try {
                    decoded = type.getParserForType().parseFrom(input);
                } catch (InvalidProtocolBufferException expected) {
                    apply(store[0], ++index[0], ByteString.copyFrom(input)); // garbage in the log: skipped, no crash
                    return;
                }
                Optional<Command> command = validatedCommand(decoded);
                if (command.isPresent() && !touchesKnownPath(command.get())) {
                    accepted[0]++;
                    apply(store[0], ++index[0], command.get().toByteString());
                } else if (decoded instanceof Command raw && !touchesKnownPath(raw)) {
                    apply(store[0], ++index[0], raw.toByteString()); // unvalidated: apply validates again
                }
            });
            // Generators that only ever produced rejects would fuzz the validator's first check and nothing else.
            assertTrue(accepted[0] >= FuzzRun.iterations(2_000) / 50, "only " + accepted[0] + " valid writes");
            Lookup lookup = store[0].get(ZPath.parse(FuzzInputs.KNOWN_PATH));
            assertTrue(lookup.found(), "the known key is gone");
            assertEquals(known, lookup.znode().data(), "the known key changed");
            long kept = store[0].treeBytes();
            store[0].close();
            store[0] = new KvStateMachine(dir.resolve("state"));
            assertEquals(kept, store[0].treeBytes(), "the tree size kept per entry differs from a fresh scan");
            assertEquals(index[0], store[0].appliedIndex());
        } finally {
            store[0].close();
        }
    }

    /** The command of a request the validator accepts, checked by the state machine's validator too. */
    private static Optional<Command> validatedCommand(Message request) {
        Optional<Failure> failure;
        Command command;
        if (request instanceof CreateRequest r) {
            failure = RequestValidator.validate(r);
            command = Commands.of(r);
        } else if (request instanceof PutRequest r) {
            failure = RequestValidator.validate(r);
            command = Commands.of(r);
        } else if (request instanceof DeleteRequest r) {
            failure = RequestValidator.validate(r);
            command = Commands.of(r);
        } else if (request instanceof TxnRequest r) {
            failure = RequestValidator.validate(r);
            command = Commands.of(r);
        } else if (request instanceof SessionOpenRequest r) {
            failure = RequestValidator.validate(r);
            command = Command.newBuilder().setOpenSession(r.toBuilder().clearHeader()).build();
        } else if (request instanceof SessionCloseRequest r) {
            failure = RequestValidator.validate(r);
            command = Command.newBuilder().setCloseSession(r.toBuilder().clearHeader()).build();
        } else {
            if (request instanceof GetRequest r) {
                RequestValidator.validate(r);
            } else if (request instanceof ExistsRequest r) {
                RequestValidator.validate(r);
            } else if (request instanceof ListRequest r) {
                RequestValidator.validate(r);
            } else if (request instanceof Command c) {
                RequestValidator.validate(c);
            }
            return Optional.empty();
        }
        if (failure.isPresent()) {
            return Optional.empty();
        }
        Optional<Failure> again = RequestValidator.validate(command);
        assertTrue(again.isEmpty(), "accepted request " + request + " became a rejected command: " + again);
        return Optional.of(command);
    }

    private static boolean touchesKnownPath(Command command) {
        return command.toString().contains(FuzzInputs.KNOWN_PATH.substring(1));
    }

    private static void apply(KvStateMachine store, long index, ByteString data) {
        store.apply(new Entry(index, 1, Entry.Type.COMMAND, data));
    }

    /** A seeded run is repeatable: the same seed yields the same inputs (what makes -Dfuzz.seed a replay). */
    @Test
    void sameSeedSameInputs() {
        for (Message type : TYPES) {
            assertEquals(ByteString.copyFrom(FuzzInputs.input(type, new Random(7))),
                    ByteString.copyFrom(FuzzInputs.input(type, new Random(7))));
        }
    }
}
