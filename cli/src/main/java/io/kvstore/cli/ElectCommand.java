package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.LeaderElection;
import io.kvstore.client.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl elect NAME VALUE}: campaigns in election NAME with VALUE, prints when it leads and holds leadership
 * until interrupted (then resigns). {@code kvctl elect --observe NAME}: prints every leader of NAME until
 * interrupted.
 */
@Command(name = "elect", mixinStandardHelpOptions = true,
        description = {"Campaigns in election NAME with VALUE; prints 'leader NAME VALUE TOKEN' once elected and "
                + "holds leadership until interrupted (Ctrl-C resigns). Prints 'in doubt' when the session's "
                + "keepalives fail and 'lost' (exit 1) when the session expired.",
            "With --observe, prints 'VALUE TOKEN' for the current leader and every later one until interrupted."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl elect scheduler host-a:8080", "  kvctl elect --observe scheduler"})
final class ElectCommand implements Callable<Integer>, Kvctl.Subject {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;
    @Option(names = "--observe", description = "Print leadership changes instead of campaigning.")
    boolean observe;
    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "TTL of the session that owns the candidacy (default: ${DEFAULT-VALUE}).")
    Duration ttl;
    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
            description = "How long to campaign before giving up (default: ${DEFAULT-VALUE}).")
    Duration wait;
    @Parameters(index = "0", paramLabel = "NAME", description = "The election's name: one path segment.")
    String name;
    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "This candidate's value.")
    String value;
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    /** Set before this command resigns on its own: its state changes after that are not losses. */
    private volatile boolean ending;

    @Override
    public Integer call() throws Exception {
        if (observe != (value == null)) {
            throw new ParameterException(spec.commandLine(), observe ? "--observe takes no VALUE"
                    : "VALUE is required (or --observe)");
        }
        try (KvClient kv = connection.connect(root.env); Session session = kv.openSession(ttl)) {
            int code = observe ? observe(kv, session) : campaign(kv, session);
            ending = true;
            return code;
        } finally {
            cleanedUp.countDown();
        }
    }

    private int campaign(KvClient kv, Session session) {
        LeaderElection election = kv.election(name, session);
        if (!election.campaign(value.getBytes(StandardCharsets.UTF_8), wait)) {
            spec.commandLine().getErr().println("kvctl: not elected in " + name + " within " + wait);
            return ExitCodes.UNAVAILABLE;
        }
        Thread main = Thread.currentThread();
        election.addListener(state -> {
            if (ending) {
                return; // our own resign and session close
            }
            spec.commandLine().getErr().println("kvctl: " + name + ": " + switch (state) {
                case LEADER -> "leader again";
                case IN_DOUBT -> "in doubt: keepalives failing, leadership may be lost";
                case NOT_LEADER -> "lost leadership";
            });
            if (state == LeaderElection.State.NOT_LEADER) {
                main.interrupt();
            }
        });
        root.out.println("leader " + name + " " + value + " " + election.fencingToken().token());
        root.out.flush();
        LockCommand.holdUntilInterrupted(cleanedUp);
        if (election.state() == LeaderElection.State.NOT_LEADER) {
            return ExitCodes.ERROR;
        }
        ending = true;
        election.resign();
        return ExitCodes.OK;
    }

    private int observe(KvClient kv, Session session) throws Exception {
        try (AutoCloseable observation = kv.election(name, session).observe(leader -> {
            root.out.println(leader.valueUtf8() + " " + leader.fencingToken().token());
            root.out.flush();
        })) {
            LockCommand.holdUntilInterrupted(cleanedUp);
        }
        return ExitCodes.OK;
    }

    @Override
    public String subject() {
        return "election " + name;
    }
}
