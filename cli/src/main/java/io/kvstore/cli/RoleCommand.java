package io.kvstore.cli;

import io.kvstore.api.v1.Permission;
import io.kvstore.client.KvClient;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl role add|delete|grant|revoke|list|get} (docs/security.md). */
@Command(name = "role", mixinStandardHelpOptions = true,
        description = "Manages roles and their path-prefix grants (auth). Once auth is enabled, needs the root role.",
        subcommands = {RoleCommand.Add.class, RoleCommand.Delete.class, RoleCommand.Grant.class,
                RoleCommand.Revoke.class, RoleCommand.ListRoles.class, RoleCommand.Get.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl role add app-a",
            "  kvctl role grant app-a write /app/a/   # /app/a and everything below it (not /app/ab)",
            "  kvctl role grant app-a read /config    # exactly the znode /config",
            "  kvctl role get app-a"})
final class RoleCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a role command is required: add, delete, grant, revoke, "
                + "list, get");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role add payments --user root", description = "Adds a role without grants.")
    static final class Add implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().addRole(name),
                    "role " + name + " added");
        }

        @Override
        public String subject() {
            return "role " + name;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role delete payments --user root",
            description = "Deletes a role; users holding it lose it.")
    static final class Delete implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().deleteRole(name),
                    "role " + name + " deleted");
        }

        @Override
        public String subject() {
            return "role " + name;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role grant payments write /app/payments/ --user root",
            description = {"Grants read, write or admin on a path prefix (replacing the role's grant on that prefix). "
                    + "'/app/a/' covers /app/a and everything below; '/app/a' exactly /app/a; '/' everything. "
                    + "write includes read; admin includes write (admin on / allows cluster changes)."})
    static final class Grant implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "ROLE")
        String role;
        @Parameters(index = "1", paramLabel = "PERMISSION", description = "read, write or admin.")
        String permission;
        @Parameters(index = "2", paramLabel = "PATH_PREFIX")
        String prefix;

        @Override
        public Integer call() {
            Permission p = switch (permission.toLowerCase(Locale.ROOT)) {
                case "read" -> Permission.READ;
                case "write" -> Permission.WRITE;
                case "admin" -> Permission.ADMIN;
                default -> throw new ParameterException(parent.spec.commandLine(),
                        "permission must be read, write or admin: " + permission);
            };
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().grant(role, prefix, p),
                    "role " + role + ": " + permission.toLowerCase(Locale.ROOT) + " on " + prefix);
        }

        @Override
        public String subject() {
            return "role " + role;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role revoke payments /app/payments/ --user root", description = "Removes a role's grant on a prefix.")
    static final class Revoke implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "ROLE")
        String role;
        @Parameters(index = "1", paramLabel = "PATH_PREFIX")
        String prefix;

        @Override
        public Integer call() {
            return AuthCommand.change(connection, parent.root, kv -> kv.auth().revoke(role, prefix),
                    "role " + role + ": grant on " + prefix + " revoked");
        }

        @Override
        public String subject() {
            return "role " + role + " grant on " + prefix;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role list --user root", description = "Lists the roles, one per line.")
    static final class ListRoles implements Callable<Integer> {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                kv.auth().roles().forEach(parent.root.out::println);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            footerHeading = "%nExample:%n", footer = "  kvctl role get payments --user root",
            description = "Prints a role's grants: PERMISSION PATH_PREFIX, one per line.")
    static final class Get implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        RoleCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                kv.auth().grants(name).forEach((prefix, permission) -> parent.root.out.println(
                        permission.name().toLowerCase(Locale.ROOT) + " " + prefix));
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return "role " + name;
        }
    }
}
