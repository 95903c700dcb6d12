package io.kvstore.cli;

import io.kvstore.client.KvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl leader transfer [NAME]}. */
@Command(name = "leader", mixinStandardHelpOptions = true, description = "Moves leadership.",
        subcommands = LeaderCommand.Transfer.class,
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl leader transfer n2", "  kvctl leader transfer          # to the most up-to-date other voter"})
final class LeaderCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a leader command is required: transfer");
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = {"Hands leadership to voter NAME, or to the most up-to-date other voter; prints the new "
                    + "leader. Exit 4 ('transfer failed') when the target did not take over within two election "
                    + "timeouts: the old leader keeps leading."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl leader transfer n2"})
    static final class Transfer implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        LeaderCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "A voter's name.")
        String target;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                parent.root.out.println(kv.cluster().transferLeadership(target));
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return target == null ? "leader transfer" : "member " + target;
        }
    }
}
