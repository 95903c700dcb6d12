package io.kvstore.cli;

import io.kvstore.client.KvClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl user add|delete|passwd|grant-role|revoke-role|list|get} (docs/security.md). */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Manages users (auth). Once auth is enabled, needs the root role.",
        subcommands = {UserCommand.Add.class, UserCommand.Delete.class, UserCommand.Passwd.class,
                UserCommand.GrantRole.class, UserCommand.RevokeRole.class, UserCommand.ListUsers.class,
                UserCommand.Get.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl user add root                    # asks for the password on a terminal, else reads a stdin line",
            "  kvctl user add alice --password s3cret",
            "  kvctl user grant-role alice app-a --user root",
            "  kvctl user get alice --user root"})
final class UserCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a user command is required: add, delete, passwd, "
                + "grant-role, revoke-role, list, get");
    }

    /** The new password: the option, else a prompt on the terminal, else one line of stdin. */
    static String newPassword(String option, Kvctl root, String user) {
        if (option != null) {
            return option;
        }
        if (System.console() != null) {
            char[] typed = System.console().readPassword("New password for %s: ", user);
            if (typed != null) {
                return new String(typed);
            }
        }
        try {
            String line = new BufferedReader(new InputStreamReader(root.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException("no password given: use --password or pipe it on stdin");
            }
            return line;
        } catch (IOException e) {
            throw new IllegalArgumentException("reading the password from stdin: " + e.getMessage());
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user add alice --password s3cret      # or: echo s3cret | kvctl user add alice", description = "Adds a user.")
    static final class Add implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--password", paramLabel = "PASSWORD",
                description = "The password (default: prompt on a terminal, else one line of stdin).")
        String password;

        @Override
        public Integer call() {
            String pw = newPassword(password, parent.root, name);
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().addUser(name, pw),
                    "user " + name + " added");
        }

        @Override
        public String subject() {
            return "user " + name;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user delete alice --user root", description = "Deletes a user; its tokens stop working.")
    static final class Delete implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().deleteUser(name),
                    "user " + name + " deleted");
        }

        @Override
        public String subject() {
            return "user " + name;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user passwd alice --user root          # asks for the new password on a terminal",
            description = "Changes a user's password; its older tokens stop working.")
    static final class Passwd implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--password", paramLabel = "PASSWORD",
                description = "The new password (default: prompt on a terminal, else one line of stdin).")
        String password;

        @Override
        public Integer call() {
            String pw = newPassword(password, parent.root, name);
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().changePassword(name, pw),
                    "password of user " + name + " changed");
        }

        @Override
        public String subject() {
            return "user " + name;
        }
    }

    @Command(name = "grant-role", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user grant-role alice payments --user root", description = "Gives a user a role.")
    static final class GrantRole implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "USER")
        String user;
        @Parameters(index = "1", paramLabel = "ROLE")
        String role;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().grantRole(user, role),
                    "role " + role + " granted to user " + user);
        }

        @Override
        public String subject() {
            return "user " + user + " / role " + role;
        }
    }

    @Command(name = "revoke-role", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user revoke-role alice payments --user root", description = "Takes a role from a user.")
    static final class RevokeRole implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "USER")
        String user;
        @Parameters(index = "1", paramLabel = "ROLE")
        String role;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().revokeRole(user, role),
                    "role " + role + " revoked from user " + user);
        }

        @Override
        public String subject() {
            return "user " + user + " / role " + role;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user list --user root", description = "Lists the users, one per line.")
    static final class ListUsers implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                kv.auth().users().forEach(parent.root.out::println);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl user get alice --user alice:s3cret", description = "Prints a user's roles, one per line.")
    static final class Get implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        UserCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                kv.auth().userRoles(name).forEach(parent.root.out::println);
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return "user " + name;
        }
    }
}
