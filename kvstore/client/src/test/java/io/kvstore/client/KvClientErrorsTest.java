package io.kvstore.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One row per non-retryable reason: the exception type a caller branches on, each sent once. */
class KvClientErrorsTest {
    private FakeKvServer server;

    @BeforeEach
    void start() throws IOException {
        server = FakeKvServer.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({
        "NOT_FOUND,           NOT_FOUND,          KvNotFoundException",
        "ALREADY_EXISTS,      ALREADY_EXISTS,     KvAlreadyExistsException",
        "ABORTED,             VERSION_MISMATCH,   KvVersionMismatchException",
        "FAILED_PRECONDITION, PARENT_NOT_FOUND,   KvPreconditionException",
        "FAILED_PRECONDITION, HAS_CHILDREN,       KvPreconditionException",
        "FAILED_PRECONDITION, SUBTREE_TOO_LARGE,  KvPreconditionException",
        "FAILED_PRECONDITION, STALE_SEQUENCE,     KvPreconditionException",
        "INVALID_ARGUMENT,    INVALID_PATH,       KvInvalidArgumentException",
        "INVALID_ARGUMENT,    VALUE_TOO_LARGE,    KvInvalidArgumentException",
        "INVALID_ARGUMENT,    TOO_MANY_OPS,       KvInvalidArgumentException",
        "INVALID_ARGUMENT,    ROOT_READ_ONLY,     KvInvalidArgumentException",
        "OUT_OF_RANGE,        PAGE_TOKEN_STALE,   KvException",
        "UNIMPLEMENTED,       UNIMPLEMENTED,      KvException",
        "INTERNAL,            INVALID_COMMAND,    KvException",
    })
    void reasonMapsToExceptionType(Status.Code code, ErrorCode reason, String type) {
        server.handler((method, request) -> {
            throw FakeKvServer.error(code, reason);
        });
        try (KvClient kv = KvClientRetryTest.client(server.address()).build()) {
            KvException e = assertThrows(KvException.class, () -> kv.put("/a", new byte[0]));
            assertEquals(type, e.getClass().getSimpleName());
            assertEquals(Optional.of(reason), e.reason());
        }
        assertEquals(1, server.requests().size(), "not retried");
    }

    @Test
    void versionMismatchCarriesCurrentVersionAndOpIndex() {
        server.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.ABORTED, ErrorCode.VERSION_MISMATCH,
                    ErrorTrailers.CURRENT_VERSION.name(), "7", ErrorTrailers.OP_INDEX.name(), "1");
        });
        try (KvClient kv = KvClientRetryTest.client(server.address()).build()) {
            var e = assertThrows(KvVersionMismatchException.class,
                    () -> kv.put("/a", new byte[0], PutOptions.ifVersion(3)));
            assertEquals(7, e.currentVersion());
            assertEquals(OptionalInt.of(1), e.opIndex());
        }
    }

    @Test
    void statusWithoutReasonFallsBackOnUnambiguousCodesOnly() {
        server.handler((method, request) -> {
            throw Status.NOT_FOUND.asRuntimeException();
        });
        try (KvClient kv = KvClientRetryTest.client(server.address()).build()) {
            assertThrows(KvNotFoundException.class, () -> kv.get("/a"));
            server.handler((method, request) -> {
                throw Status.FAILED_PRECONDITION.asRuntimeException();
            });
            KvException e = assertThrows(KvException.class, () -> kv.get("/a"));
            assertEquals(KvException.class, e.getClass());
            assertEquals(Optional.empty(), e.reason());
        }
    }

    @Test
    void asyncFailureCarriesTheSameException() {
        server.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS);
        });
        try (KvClient kv = KvClientRetryTest.client(server.address()).build()) {
            var e = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> kv.createAsync("/a", new byte[0], CreateOptions.DEFAULT).join());
            assertInstanceOf(KvAlreadyExistsException.class, e.getCause());
        }
    }
}
