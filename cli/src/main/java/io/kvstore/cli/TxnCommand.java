package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.Txn;
import io.kvstore.client.TxnOp;
import io.kvstore.client.TxnOpResult;
import io.kvstore.client.TxnResult;
import io.kvstore.client.Znode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "txn", mixinStandardHelpOptions = true,
        description = {
            "Runs a transaction read from stdin or --file: compares, then one branch of operations.",
            "If every compare holds the success operations run, else the failure operations;",
            "all or nothing, as one revision.",
            "",
            "Format: one statement per line; blank lines and text after # are ignored.",
            "  compare version PATH OP N            OP is one of  =  !=  <  >",
            "  compare mod_revision PATH OP N",
            "  compare create_revision PATH OP N",
            "  compare value PATH OP VALUE          byte order",
            "  compare exists PATH = true|false     (or !=)",
            "  success|failure get PATH",
            "  success|failure put PATH VALUE [if-version=N] [parents]",
            "  success|failure create PATH VALUE [parents]",
            "  success|failure delete PATH [if-version=N] [recursive]",
            "VALUE is one word, or \"double quoted\" with \\\" \\\\ \\n \\t escapes (\"\" is empty).",
            "A missing znode has version 0 and exists false.",
            "",
            "Output: SUCCESS or FAILURE (which branch ran) and the revision, then one line per operation:",
            "  get PATH version=N value=\"...\"  (or value base64:..., or PATH not-found)",
            "  put PATH version=N created=true|false",
            "  create PATH version=N",
            "  delete PATH deleted=N",
            "Both branches exit 0. A failing operation (e.g. a put whose if-version does not match)",
            "applies nothing and exits with that error's code, naming the operation."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl txn <<'EOF'",
            "  compare version /app/config = 3",
            "  success put /app/config \"max_conns=20\"",
            "  success delete /app/config.draft",
            "  failure get /app/config",
            "  EOF",
            "  kvctl txn --file claim.txn"})
final class TxnCommand implements Callable<Integer>, Kvctl.Subject {
    /** A txn has at most 128 compares and operations; a script far beyond that is a mistake. */
    static final int SCRIPT_BYTES_MAX = 1 << 20;

    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the txn from FILE instead of stdin.")
    Path file;

    private Txn txn;
    private String subject = "txn";

    @Override
    public Integer call() {
        String script = readScript();
        try {
            txn = TxnScript.parse(script);
        } catch (TxnScript.SyntaxException e) {
            throw new ParameterException(spec.commandLine(), "invalid txn: " + e.getMessage());
        }
        TxnResult result;
        try (KvClient kv = connection.connect(root.env)) {
            result = kv.txn(txn);
        } catch (KvException e) {
            e.opIndex().ifPresent(i -> subject = describeOp(e, i));
            throw e;
        }
        print(root.out, result);
        return ExitCodes.OK;
    }

    private String describeOp(KvException e, int index) {
        // The server names the index within the branch that ran; the compares decide which, and are unknown
        // here, so name both candidates only when they differ.
        List<TxnOp> success = txn.success();
        List<TxnOp> failure = txn.failure();
        TxnOp s = index < success.size() ? success.get(index) : null;
        TxnOp f = index < failure.size() ? failure.get(index) : null;
        TxnOp op = s != null ? s : f;
        if (op == null || (s != null && f != null && !s.equals(f))) {
            return "txn operation " + index;
        }
        return "txn operation " + index + " (" + op.kind().name().toLowerCase() + " " + op.path() + ")";
    }

    private void print(PrintStream out, TxnResult result) {
        out.println((result.succeeded() ? "SUCCESS" : "FAILURE") + " revision=" + result.revision());
        List<TxnOp> branch = result.succeeded() ? txn.success() : txn.failure();
        for (int i = 0; i < result.results().size(); i++) {
            String path = i < branch.size() ? branch.get(i).path() : "?";
            out.println(line(result.results().get(i), path));
        }
    }

    /** Java 17 has no pattern switch; the sealed interface keeps this chain complete by review. */
    private static String line(TxnOpResult result, String path) {
        if (result instanceof TxnOpResult.Got g) {
            return g.znode().map(TxnCommand::got).orElse("get " + path + " not-found");
        }
        if (result instanceof TxnOpResult.Put p) {
            return "put " + path + " version=" + p.stat().version() + " created=" + p.created();
        }
        if (result instanceof TxnOpResult.Created c) {
            return "create " + c.path() + " version=" + c.stat().version();
        }
        TxnOpResult.Deleted d = (TxnOpResult.Deleted) result;
        return "delete " + path + " deleted=" + d.deletedCount();
    }

    private static String got(Znode z) {
        String value = Values.utf8(z.value()).map(Json::string)
                .orElseGet(() -> "base64:" + Base64.getEncoder().encodeToString(z.value()));
        return "get " + z.path() + " version=" + z.stat().version() + " value=" + value;
    }

    private String readScript() {
        try {
            byte[] bytes = file != null ? Files.readAllBytes(file) : root.in.readNBytes(SCRIPT_BYTES_MAX + 1);
            if (bytes.length > SCRIPT_BYTES_MAX) {
                throw new ParameterException(spec.commandLine(), "txn input is over " + SCRIPT_BYTES_MAX + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + (file != null ? file : "stdin")
                    + ": " + e.getMessage());
        }
    }

    @Override
    public String subject() {
        return subject;
    }
}
