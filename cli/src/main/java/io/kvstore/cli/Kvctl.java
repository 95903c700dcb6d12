package io.kvstore.cli;

import io.kvstore.api.ErrorCode;
import io.kvstore.client.KvAlreadyExistsException;
import io.kvstore.client.KvException;
import io.kvstore.client.KvInvalidArgumentException;
import io.kvstore.client.KvNotFoundException;
import io.kvstore.client.KvPreconditionException;
import io.kvstore.client.KvUnavailableException;
import io.kvstore.client.KvVersionMismatchException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl}: the command-line client. Each run makes one {@link io.kvstore.client.KvClient}, does one thing and
 * exits with a code from {@link ExitCodes}; a failure prints one line to stderr, never a stack trace.
 *
 * <p>{@link #execute} is the testable entry point: environment, stdin and stdout/stderr are passed in.
 */
@Command(name = "kvctl", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Reads and writes the znode tree of a kvstore cluster, and manages its members.",
        subcommands = {PutCommand.class, GetCommand.class, LsCommand.class, RmCommand.class, TxnCommand.class,
                MemberCommand.class, LeaderCommand.class, StatusCommand.class,
                LockCommand.class, ElectCommand.class,
                UserCommand.class, RoleCommand.class, AuthCommand.class,
                io.kvstore.cli.bench.BenchCommand.class, CommandLine.HelpCommand.class,
                CreateCommand.class, WatchCommand.class, ExportCommand.class, ImportCommand.class,
                SnapshotCommand.class, VersionCommand.class, CompletionCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl put --parents /app/db/url jdbc:postgresql://db/app",
            "  kvctl get -o json /app/db/url",
            "  KVCTL_ENDPOINTS=10.0.0.1:7379,10.0.0.2:7379 kvctl ls -r /app",
            "  kvctl member list                      # members, roles, addresses, leader, lag",
            "  kvctl member add n4 10.0.0.4:7380      # then: kvctl member promote n4",
            "  kvctl member remove n1",
            "  kvctl leader transfer [n2]",
            "  kvctl status                           # each endpoint's raft state and health",
            "  kvctl lock nightly-report -- ./report.sh   # token in $KVSTORE_FENCING_TOKEN",
            "  kvctl elect scheduler host-a:8080      # kvctl elect --observe scheduler",
            "  kvctl user add root && kvctl auth enable   # then: kvctl <command> --user root",
            "  kvctl create --ephemeral --hold /services/web/host1 up   # registered until Ctrl-C",
            "  kvctl watch -r /app                    # one line per change until Ctrl-C",
            "  kvctl export -o yaml /app > app.yaml && kvctl import app.yaml",
            "  kvctl snapshot save backup.kvsnap      # then: kvctl snapshot restore ... (offline)",
            "  kvctl version; source <(kvctl completion bash)",
            "",
            "Exit codes:",
            "  0  ok",
            "  1  other error",
            "  2  invalid argument: bad usage, malformed txn input, invalid path, value too large",
            "  3  not found (znode or member)",
            "  4  precondition failed: version mismatch, already exists, has children, parent missing,",
            "     member exists, learner behind, transfer failed, not a voter, last voter",
            "  5  unavailable: no member or leader answered within --timeout; status: an endpoint not ok",
            "  6  denied: not authenticated (bad or missing credentials) or not permitted",
            "  130  interrupted (Ctrl-C): the normal end of watch and create --hold",
            "",
            "Environment:",
            "  KVCTL_ENDPOINTS  comma-separated host:port list used when --endpoints is not given",
            "  KVCTL_USER       user[:password] used when --user is not given",
            "  KVCTL_PASSWORD   the password when neither --user nor KVCTL_USER carries one",
            "  KVCTL_TIMEOUT, KVCTL_OUTPUT  defaults for --timeout and -o",
            "  KVCTL_CONFIG     config file (default ~/.config/kvctl/config.yaml): 'endpoints:', 'timeout:' and",
            "                   'output:' lines. Precedence: flag > environment > config file > built-in default."})
public final class Kvctl implements Runnable {
    final Map<String, String> env;
    final InputStream in;
    final PrintStream out;
    /** Messages for people (progress, --hold notices); set by {@link #execute}. */
    PrintStream err = System.err;

    @Spec
    CommandSpec spec;

    Kvctl(Map<String, String> env, InputStream in, PrintStream out) {
        this.env = env;
        this.in = in;
        this.out = out;
    }

    /** The environment kvctl runs with (KVCTL_ENDPOINTS, KVCTL_USER, ...): for commands outside this package. */
    public Map<String, String> env() {
        return env;
    }

    public static void main(String[] args) {
        // Quiet unless asked: netty and the client log through slf4j-simple.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(execute(args, System.getenv(), System.in, System.out, System.err));
    }

    /** Runs kvctl with the given environment and streams; returns the exit code. */
    public static int execute(String[] args, Map<String, String> env, InputStream in, PrintStream out,
            PrintStream err) {
        Kvctl root = new Kvctl(env, in, out);
        root.err = err;
        CommandLine cli = new CommandLine(root);
        try {
            cli.setDefaultValueProvider(new KvctlConfig(env));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            err.println("kvctl: config: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        cli.setUsageHelpWidth(100);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((e, args2) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println("kvctl: " + e.getMessage() + " (see '" + command + " --help')");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            Object command = commandLine.getCommand();
            String subject = command instanceof Subject s ? s.subject() : "";
            commandLine.getErr().println("kvctl: " + describe(e, subject));
            return exitCode(e);
        });
        int code = cli.execute(args);
        out.flush();
        return code;
    }

    /** No subcommand: a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }

    /** What a failed command was acting on, for its error line ("/app/x", "txn operation 2 (put /a)"). */
    interface Subject {
        String subject();
    }

    static int exitCode(Exception e) {
        if (denied(e)) {
            return ExitCodes.DENIED;
        }
        if (e instanceof KvctlException k) {
            return k.exitCode;
        }
        if (e instanceof WatchCommand.KvCompactedException) {
            return ExitCodes.PRECONDITION;
        }
        if (e instanceof KvNotFoundException) {
            return ExitCodes.NOT_FOUND;
        }
        if (e instanceof KvVersionMismatchException || e instanceof KvAlreadyExistsException
                || e instanceof KvPreconditionException) {
            return ExitCodes.PRECONDITION;
        }
        if (e instanceof KvInvalidArgumentException || e instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        if (e instanceof KvUnavailableException) {
            return ExitCodes.UNAVAILABLE;
        }
        return ExitCodes.ERROR;
    }

    /** Auth refusals: UNAUTHENTICATED or PERMISSION_DENIED, with or without a reason trailer. */
    static boolean denied(Exception e) {
        io.grpc.Status.Code code = io.grpc.Status.fromThrowable(e).getCode();
        return code == io.grpc.Status.Code.UNAUTHENTICATED || code == io.grpc.Status.Code.PERMISSION_DENIED;
    }

    static String describe(Exception e, String subject) {
        if (denied(e)) {
            return "denied: " + e.getMessage();
        }
        if (e instanceof KvctlException || e instanceof WatchCommand.KvCompactedException) {
            return e.getMessage();
        }
        if (e instanceof KvNotFoundException) {
            return "not found: " + subject;
        }
        if (e instanceof KvVersionMismatchException v) {
            return "version mismatch: " + subject + " is at version " + v.currentVersion();
        }
        if (e instanceof KvAlreadyExistsException) {
            return "already exists: " + subject;
        }
        if (e instanceof KvPreconditionException p) {
            ErrorCode reason = p.reason().orElse(null);
            if (reason == ErrorCode.HAS_CHILDREN) {
                return "has children: " + subject + " (use -r to delete the subtree)";
            }
            if (reason == ErrorCode.PARENT_NOT_FOUND) {
                return "parent not found: " + subject + " (use --parents)";
            }
            if (reason == ErrorCode.LEARNER_BEHIND || reason == ErrorCode.TRANSFER_FAILED
                    || reason == ErrorCode.NOT_VOTER || reason == ErrorCode.LAST_VOTER) {
                return reasonText(p) + ": " + subject + " (" + p.getMessage() + ")";
            }
            // A command without a subject (auth enable, ...): the server's message says what is missing.
            return reasonText(p) + ": " + (subject.isEmpty() ? p.getMessage() : subject);
        }
        if (e instanceof KvInvalidArgumentException) {
            return "invalid argument: " + e.getMessage();
        }
        if (e instanceof KvUnavailableException) {
            return "unavailable: " + e.getMessage();
        }
        if (e instanceof KvException) {
            return "error: " + e.getMessage();
        }
        if (e instanceof IllegalArgumentException) {
            return "invalid argument: " + e.getMessage();
        }
        return "error: " + e;
    }

    private static String reasonText(KvException e) {
        return e.reason().map(r -> r.name().toLowerCase(Locale.ROOT).replace('_', ' ')).orElse("failed");
    }
}
