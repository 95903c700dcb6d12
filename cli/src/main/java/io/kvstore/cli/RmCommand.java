package io.kvstore.cli;

import io.kvstore.client.DeleteOptions;
import io.kvstore.client.KvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Deletes a znode. Prints nothing on success.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl rm /app/db/url",
            "  kvctl rm -r /app                      # the whole subtree",
            "  kvctl rm --if-version 4 /app/lock     # only if still at version 4, exit 4 otherwise"})
final class RmCommand implements Callable<Integer>, Kvctl.Subject {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Absolute path.")
    String path;
    @Option(names = {"-r", "--recursive"}, description = "Delete the znode's subtree too.")
    boolean recursive;
    @Option(names = "--if-version", paramLabel = "N", description = "Only if the znode is at version N (N >= 1).")
    Long ifVersion;

    @Override
    public Integer call() {
        DeleteOptions options = DeleteOptions.DEFAULT;
        if (ifVersion != null) {
            if (ifVersion < 1) {
                throw new ParameterException(spec.commandLine(), "--if-version must be >= 1: " + ifVersion);
            }
            options = DeleteOptions.ifVersion(ifVersion);
        }
        if (recursive) {
            options = options.withRecursive();
        }
        try (KvClient kv = connection.connect(root.env)) {
            kv.delete(path, options);
        }
        return ExitCodes.OK;
    }

    @Override
    public String subject() {
        return path;
    }
}
