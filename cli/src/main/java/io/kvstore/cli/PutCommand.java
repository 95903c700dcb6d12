package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.PutOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "put", mixinStandardHelpOptions = true,
        description = "Creates or replaces a znode's value. Prints nothing on success.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl put /app/db/url jdbc:postgresql://db/app",
            "  kvctl put --parents --file cert.pem /app/tls/cert",
            "  echo -n 42 | kvctl put --if-version 3 /app/limit -   # CAS: exit 4 unless at version 3"})
final class PutCommand implements Callable<Integer>, Kvctl.Subject {
    /** Larger values are refused before sending; the server's own limit is lower. */
    static final int VALUE_READ_BYTES_MAX = 16 << 20;

    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "PATH", description = "Absolute path, e.g. /app/db/url.")
    String path;
    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
            description = "The value as text; '-' reads it from stdin. Omit when using --file.")
    String value;
    @Option(names = "--file", paramLabel = "FILE", description = "Read the value from FILE.")
    Path file;
    @Option(names = "--if-version", paramLabel = "N",
            description = "Only if the znode is at version N (0: only if it does not exist).")
    Long ifVersion;
    @Option(names = {"-p", "--parents"}, description = "Create missing ancestors.")
    boolean parents;

    @Override
    public Integer call() {
        byte[] bytes = readValue();
        PutOptions options = ifVersion == null ? PutOptions.DEFAULT : ifVersion(ifVersion);
        if (parents) {
            options = options.withMakeParents();
        }
        try (KvClient kv = connection.connect(root.env)) {
            kv.put(path, bytes, options);
        }
        return ExitCodes.OK;
    }

    private PutOptions ifVersion(long version) {
        if (version < 0) {
            throw new ParameterException(spec.commandLine(), "--if-version must be >= 0: " + version);
        }
        return PutOptions.ifVersion(version);
    }

    private byte[] readValue() {
        return readValue(spec, root.in, value, file);
    }

    /** The value from exactly one of VALUE, '-' (stdin) or --file; shared with create. */
    static byte[] readValue(CommandSpec spec, InputStream in, String value, Path file) {
        if ((value == null) == (file == null)) {
            throw new ParameterException(spec.commandLine(), "give exactly one of VALUE, '-' or --file");
        }
        try {
            if (file != null) {
                if (Files.size(file) > VALUE_READ_BYTES_MAX) {
                    throw new ParameterException(spec.commandLine(), file + " is over " + VALUE_READ_BYTES_MAX
                            + " bytes");
                }
                return Files.readAllBytes(file);
            }
            if (value.equals("-")) {
                return readBounded(spec, in);
            }
            return value.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + (file != null ? file : "stdin")
                    + ": " + e.getMessage());
        }
    }

    private static byte[] readBounded(CommandSpec spec, InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(VALUE_READ_BYTES_MAX + 1);
        if (bytes.length > VALUE_READ_BYTES_MAX) {
            throw new ParameterException(spec.commandLine(), "stdin is over " + VALUE_READ_BYTES_MAX + " bytes");
        }
        return bytes;
    }

    @Override
    public String subject() {
        return path;
    }
}
