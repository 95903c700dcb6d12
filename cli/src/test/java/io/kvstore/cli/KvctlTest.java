package io.kvstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.kvstore.api.ErrorCode;
import io.kvstore.api.ErrorTrailers;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsResponse;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.ListResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnOpResult;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.client.FakeKvServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kvctl run in-process against a wire-recording fake KV service on a loopback port. */
class KvctlTest {
    private FakeKvServer server;

    record Run(int code, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, UTF_8);
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = FakeKvServer.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
    }

    private Run kvctl(String... args) {
        return kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()), new byte[0], args);
    }

    private static Run kvctlWith(Map<String, String> env, byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        int code = Kvctl.execute(all.toArray(String[]::new), env, new ByteArrayInputStream(stdin),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(code, out.toByteArray(), err.toString(UTF_8));
    }

    private static void assertOneLineError(Run run, int code, String line) {
        assertEquals(code, run.code(), run.stderr());
        assertEquals("kvctl: " + line + System.lineSeparator(), run.stderr());
    }

    private static GetResponse znode(String value, long version) {
        return GetResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(9))
                .setStat(Stat.newBuilder().setVersion(version).setDataLength(value.length()))
                .setValue(ByteString.copyFromUtf8(value)).build();
    }

    // ---- put ---------------------------------------------------------------------------------------------------

    @Test
    void putSendsValueAndOptions() {
        Run run = kvctl("put", "--if-version", "3", "--parents", "/app/x", "hello");
        assertEquals(0, run.code(), run.stderr());
        assertEquals("", run.out());
        PutRequest put = server.<PutRequest>requests("Put").get(0);
        assertEquals("/app/x", put.getPath());
        assertEquals("hello", put.getValue().toStringUtf8());
        assertEquals(3, put.getExpectedVersion());
        assertTrue(put.getMakeParents());
        assertEquals(1, put.getHeader().getSequence());
    }

    @Test
    void putReadsDashFromStdinAndFileFromDisk(@TempDir Path dir) throws IOException {
        byte[] binary = {0, (byte) 0xff, 10};
        assertEquals(0, kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()), binary, "put", "/a", "-").code());
        Path file = dir.resolve("v.bin");
        Files.write(file, binary);
        assertEquals(0, kvctl("put", "--file", file.toString(), "/b").code());
        List<PutRequest> puts = server.requests("Put");
        assertArrayEquals(binary, puts.get(0).getValue().toByteArray());
        assertArrayEquals(binary, puts.get(1).getValue().toByteArray());
        assertFalse(puts.get(0).hasExpectedVersion());
    }

    @Test
    void putWithoutValueOrWithTwoIsAUsageError() {
        assertOneLineError(kvctl("put", "/a"), 2,
                "give exactly one of VALUE, '-' or --file (see 'kvctl put --help')");
        assertEquals(2, kvctl("put", "/a", "v", "--file", "f").code());
        assertEquals(0, server.requests().size());
    }

    // ---- get ---------------------------------------------------------------------------------------------------

    @Test
    void getPrintsTheValueBytesExactly() {
        server.handler((method, request) -> znode("line1\nline2", 2));
        Run run = kvctl("get", "/a");
        assertEquals(0, run.code());
        assertEquals("line1\nline2", run.out());
    }

    @Test
    void getJsonHasPathValueStatAndRevision() {
        server.handler((method, request) -> znode("say \"hi\"", 4));
        Run run = kvctl("get", "-o", "json", "--serializable", "/a");
        assertEquals("{\"path\":\"/a\",\"value\":\"say \\\"hi\\\"\",\"valueEncoding\":\"utf8\",\"stat\":"
                + "{\"version\":4,\"createRevision\":0,\"modRevision\":0,\"numChildren\":0,\"dataLength\":8,"
                + "\"childrenRevision\":0,\"ephemeralSessionId\":0},\"revision\":9}" + System.lineSeparator(),
                run.out());
        assertTrue(server.<io.kvstore.api.v1.GetRequest>requests("Get").get(0).getSerializable());
    }

    @Test
    void getJsonUsesBase64ForBinary() {
        server.handler((method, request) -> GetResponse.newBuilder()
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xc3, 0x28})).build());
        String out = kvctl("get", "-o", "json", "/a").out();
        assertTrue(out.contains("\"value\":\"wyg=\",\"valueEncoding\":\"base64\""), out);
    }

    @Test
    void getTableHasHeaderAndRow() {
        server.handler((method, request) -> znode("v", 2));
        String[] lines = kvctl("get", "-o", "table", "/a").out().split("\\R");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("PATH") && lines[0].contains("VERSION"), lines[0]);
        assertTrue(lines[1].startsWith("/a") && lines[1].endsWith("v"), lines[1]);
    }

    // ---- exit codes --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NOT_FOUND           | NOT_FOUND        | 3 | not found: /app/x",
        "ABORTED             | VERSION_MISMATCH | 4 | version mismatch: /app/x is at version 7",
        "ALREADY_EXISTS      | ALREADY_EXISTS   | 4 | already exists: /app/x",
        "FAILED_PRECONDITION | HAS_CHILDREN     | 4 | has children: /app/x (use -r to delete the subtree)",
        "FAILED_PRECONDITION | PARENT_NOT_FOUND | 4 | parent not found: /app/x (use --parents)",
        "INVALID_ARGUMENT    | INVALID_PATH     | 2 | invalid argument: INVALID_PATH: invalid_path (fake)",
        "INTERNAL            | INVALID_COMMAND  | 1 | error: INVALID_COMMAND: invalid_command (fake)",
    })
    void errorsMapToExitCodesAndOneLine(Status.Code code, ErrorCode reason, int exit, String line) {
        server.handler((method, request) -> {
            throw FakeKvServer.error(code, reason, ErrorTrailers.CURRENT_VERSION.name(), "7");
        });
        assertOneLineError(kvctl("rm", "/app/x"), exit, line);
    }

    @Test
    void unreachableClusterExitsFive() throws IOException {
        Run run = kvctlWith(Map.of(), new byte[0], "get", "--endpoints", deadAddress(), "--timeout", "300ms", "/a");
        assertEquals(5, run.code());
        assertTrue(run.stderr().startsWith("kvctl: unavailable: Get: retry deadline of 300 ms passed"),
                run.stderr());
        assertEquals(1, run.stderr().lines().count());
    }

    @Test
    void endpointsComeFromEnvironmentUnlessGivenAsOption() throws IOException {
        assertEquals(0, kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()), new byte[0], "get", "/a").code());
        Map<String, String> deadEnv = Map.of("KVCTL_ENDPOINTS", deadAddress());
        assertEquals(0, kvctlWith(deadEnv, new byte[0], "get", "--endpoints", server.address(), "/b").code());
        assertEquals(5, kvctlWith(deadEnv, new byte[0], "get", "--timeout", "200ms", "/c").code());
        assertEquals(List.of("/a", "/b"), server.<io.kvstore.api.v1.GetRequest>requests("Get").stream()
                .map(io.kvstore.api.v1.GetRequest::getPath).toList());
    }

    @Test
    void endpointsOptionTakesACommaSeparatedList() throws IOException {
        Run run = kvctlWith(Map.of(), new byte[0], "get", "--endpoints", deadAddress() + ", " + server.address(),
                "/a");
        assertEquals(0, run.code(), run.stderr());
    }

    @Test
    void badDurationAndUnknownCommandAreUsageErrors() {
        assertEquals(2, kvctl("get", "--timeout", "soon", "/a").code());
        assertEquals(2, kvctl("frobnicate").code());
        assertEquals(2, kvctl().code());
        assertEquals(0, kvctl("--help").code());
    }

    // ---- ls, rm --------------------------------------------------------------------------------------------

    @Test
    void lsPrintsNamesLongAndTree() {
        Map<String, List<String>> tree = Map.of("/app", List.of("db", "web"), "/app/db", List.of("url"),
                "/app/db/url", List.of(), "/app/web", List.of());
        server.handler((method, request) -> switch (method) {
            case "List" -> ListResponse.newBuilder()
                    .addAllNames(tree.get(((ListRequest) request).getPath())).build();
            case "Exists" -> ExistsResponse.newBuilder().setExists(true)
                    .setStat(Stat.newBuilder().setVersion(2).setDataLength(5).setNumChildren(1)).build();
            default -> throw new AssertionError(method);
        });
        String nl = System.lineSeparator();
        assertEquals("db" + nl + "web" + nl, kvctl("ls", "/app").out());
        assertEquals(String.format("%8s %10s %8s  %s%n%8d %10d %8d  %s%n%8d %10d %8d  %s%n",
                "VERSION", "SIZE", "CHILDREN", "NAME", 2, 5, 1, "db", 2, 5, 1, "web"), kvctl("ls", "-l", "/app").out());
        assertEquals(String.join(nl, "/app", "├── db", "│   └── url", "└── web") + nl,
                kvctl("ls", "-r", "/app").out());
    }

    @Test
    void rmSendsRecursiveAndVersion() {
        assertEquals(0, kvctl("rm", "-r", "--if-version", "2", "/app").code());
        DeleteRequest delete = server.<DeleteRequest>requests("Delete").get(0);
        assertTrue(delete.getRecursive());
        assertEquals(2, delete.getExpectedVersion());
        assertEquals(2, kvctl("rm", "--if-version", "0", "/app").code());
    }

    // ---- txn ---------------------------------------------------------------------------------------------------

    @Test
    void txnSendsTheParsedScriptAndPrintsResults() {
        server.handler((method, request) -> TxnResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(31)).setSucceeded(true)
                .addResults(TxnOpResult.newBuilder().setPut(io.kvstore.api.v1.PutResponse.newBuilder()
                        .setStat(Stat.newBuilder().setVersion(4))))
                .addResults(TxnOpResult.newBuilder().setDelete(io.kvstore.api.v1.DeleteResponse.newBuilder()
                        .setDeleted(1)))
                .addResults(TxnOpResult.newBuilder().setGet(znode("x y", 1)))
                .addResults(TxnOpResult.newBuilder().setGet(GetResponse.getDefaultInstance()))
                .build());
        String script = String.join("\n",
                "# claim the config",
                "compare version /a = 3",
                "compare exists /b = false",
                "success put /a \"v 2\" if-version=3",
                "success delete /c recursive",
                "success get /d",
                "success get /missing",
                "failure get /a");
        Run run = kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()), script.getBytes(UTF_8), "txn");
        assertEquals(0, run.code(), run.stderr());
        String nl = System.lineSeparator();
        assertEquals("SUCCESS revision=31" + nl + "put /a version=4 created=false" + nl + "delete /c deleted=1" + nl
                + "get /d version=1 value=\"x y\"" + nl + "get /missing not-found" + nl, run.out());
        TxnRequest sent = server.<TxnRequest>requests("Txn").get(0);
        assertEquals(2, sent.getCompareCount());
        assertEquals(3, sent.getCompare(0).getVersion());
        assertFalse(sent.getCompare(1).getExists());
        assertEquals("v 2", sent.getSuccess(0).getPut().getValue().toStringUtf8());
        assertEquals(3, sent.getSuccess(0).getPut().getExpectedVersion());
        assertTrue(sent.getSuccess(1).getDelete().getRecursive());
        assertEquals(1, sent.getFailureCount());
    }

    @Test
    void txnWithBadInputIsAUsageErrorNamingTheLine() {
        Run run = kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()),
                "compare version /a = 3\ncompare vers /a = 3\n".getBytes(UTF_8), "txn");
        assertOneLineError(run, 2, "invalid txn: line 2: unknown compare target 'vers' (use exists, version, "
                + "mod_revision, create_revision or value) (see 'kvctl txn --help')");
        assertEquals(0, server.requests().size());
    }

    @Test
    void txnOperationFailureNamesTheOperation() {
        server.handler((method, request) -> {
            throw FakeKvServer.error(Status.Code.ABORTED, ErrorCode.VERSION_MISMATCH,
                    ErrorTrailers.CURRENT_VERSION.name(), "5", ErrorTrailers.OP_INDEX.name(), "1");
        });
        Run run = kvctlWith(Map.of("KVCTL_ENDPOINTS", server.address()),
                "success get /a\nsuccess put /a v if-version=4\n".getBytes(UTF_8), "txn");
        assertOneLineError(run, 4, "version mismatch: txn operation 1 (put /a) is at version 5");
    }

    private static String deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
