package io.kvstore.cli;

import io.kvstore.client.AuthAdmin;
import io.kvstore.client.KvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl auth enable|disable|status} (docs/security.md). */
@Command(name = "auth", mixinStandardHelpOptions = true,
        description = "Turns authentication and authorization on or off, on a running cluster.",
        subcommands = {AuthCommand.Enable.class, AuthCommand.Disable.class, AuthCommand.Status.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl user add root && kvctl auth enable",
            "  kvctl auth status --user root",
            "  kvctl auth disable --user root"})
final class AuthCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "an auth command is required: enable, disable, status");
    }

    /** Runs one auth change with a client from {@code connection}, then prints {@code done}: the user, role and
     *  auth commands' common body. */
    static int change(ConnectionOptions connection, Kvctl root, java.util.function.Consumer<KvClient> action,
                      String done) {
        try (KvClient kv = connection.connect(root.env)) {
            action.accept(kv);
        }
        root.out.println(done);
        return ExitCodes.OK;
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user add root && kvctl auth enable",
            description = "Enables auth; a user named root must exist (exit 4 otherwise).")
    static final class Enable implements Callable<Integer> {
        @ParentCommand
        AuthCommand parent;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().enable(), "auth enabled");
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl auth disable --user root", description = "Disables auth; needs the root role.")
    static final class Disable implements Callable<Integer> {
        @ParentCommand
        AuthCommand parent;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().disable(), "auth disabled");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl auth status",
            description = "Prints 'enabled' or 'disabled' and the auth revision.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        AuthCommand parent;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            AuthAdmin.Status status;
            try (KvClient kv = connection.connect(parent.root.env)) {
                status = kv.auth().status();
            }
            parent.root.out.println((status.enabled() ? "enabled" : "disabled") + " (auth revision "
                    + status.authRevision() + ")");
            return ExitCodes.OK;
        }
    }
}
