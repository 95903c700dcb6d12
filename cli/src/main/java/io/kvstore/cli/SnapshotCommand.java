package io.kvstore.cli;

import io.grpc.StatusRuntimeException;
import io.kvstore.api.v1.SnapshotChunk;
import io.kvstore.api.v1.SnapshotHeader;
import io.kvstore.api.v1.SnapshotRequest;
import io.kvstore.maintenance.SnapshotFile;
import io.kvstore.maintenance.SnapshotFileException;
import io.kvstore.maintenance.SnapshotRestore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl snapshot save|restore|status}: backups of the whole store and disaster recovery from them. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Saves a consistent snapshot of the store from a running member, checks one, or restores one "
                + "into a data directory for a new cluster (offline).",
        subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Restore.class, SnapshotCommand.Status.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl snapshot save backup.kvsnap",
            "  kvctl snapshot status backup.kvsnap",
            "  kvctl snapshot restore backup.kvsnap --data-dir /var/lib/kvstore/n1 --name n1 \\",
            "        --cluster n1=10.0.0.1:7380,n2=10.0.0.2:7380,n3=10.0.0.3:7380"})
final class SnapshotCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a snapshot command is required: save, restore, status");
    }

    static Map<String, Object> describe(SnapshotHeader h, Path file) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", file.toString());
        r.put("sizeBytes", Files.size(file));
        r.put("revision", h.getRevision());
        r.put("appliedIndex", h.getAppliedIndex());
        r.put("member", h.getMember());
        r.put("clusterId", h.getClusterId());
        r.put("created", Instant.ofEpochMilli(h.getCreatedUnixMillis()).toString());
        r.put("serverVersion", h.getServerVersion());
        r.put("files", h.getFilesCount());
        r.put("checksum", "sha256 ok");
        return r;
    }

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = {"Streams a consistent snapshot of one member's state (the first endpoint) into FILE. "
                    + "The member takes a point-in-time checkpoint and keeps serving; the file is written as "
                    + "FILE.part, its SHA-256 checked, then renamed to FILE. Prints what it saved.",
                "The snapshot holds the applied state of the member asked: ask the leader (see kvctl status) for the "
                    + "newest state; a follower's may lag slightly."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl snapshot save --endpoints 10.0.0.1:7379 backup-$(date +%F).kvsnap"})
    static final class Save implements Callable<Integer> {
        /** Bounds the whole transfer; a config store's snapshot is megabytes, this allows gigabytes on a slow link. */
        private static final Duration TRANSFER_DEADLINE = Duration.ofHours(1);

        @ParentCommand
        SnapshotCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the snapshot.")
        Path file;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "Summary as table, json or yaml. Default: ${DEFAULT-VALUE}.")
        Output.Format format;

        @Override
        public Integer call() throws IOException {
            Kvctl root = parent.root;
            String endpoint = connection.endpoints(root.env).get(0);
            Path part = file.resolveSibling(file.getFileName() + ".part");
            try (Maintenance m = new Maintenance(endpoint, connection.channels(root.env)); OutputStream out = Files.newOutputStream(part)) {
                Iterator<SnapshotChunk> chunks = m.stub(TRANSFER_DEADLINE).snapshot(SnapshotRequest.getDefaultInstance());
                Progress progress = null;
                long written = 0;
                while (chunks.hasNext()) {
                    SnapshotChunk chunk = chunks.next();
                    if (progress == null) {
                        progress = Progress.start(root.err, "received bytes", chunk.getTotalBytes());
                    }
                    chunk.getData().writeTo(out);
                    written += chunk.getData().size();
                    progress.update(written);
                }
                if (progress != null) {
                    progress.finish(written);
                }
            } catch (StatusRuntimeException e) {
                Files.deleteIfExists(part);
                throw KvctlException.ofGrpc(endpoint, e);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(part);
                throw e;
            }
            SnapshotHeader header;
            try {
                header = SnapshotFile.read(part, null, n -> { });
            } catch (SnapshotFileException e) {
                Files.deleteIfExists(part);
                throw new KvctlException(ExitCodes.ERROR, "the received snapshot is damaged: " + e.getMessage());
            }
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Output.summary(root.out, format,
                    List.of(describe(header, file)), true);
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Reads a snapshot file whole, checks its SHA-256 and prints what it holds. Exit 1 when it "
                    + "is damaged.",
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl snapshot status -o json backup.kvsnap"})
    static final class Status implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;
        @Parameters(index = "0", paramLabel = "FILE", description = "A file from kvctl snapshot save.")
        Path file;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table, json or yaml. Default: ${DEFAULT-VALUE}.")
        Output.Format format;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(parent.spec.commandLine(), "no such file: " + file);
            }
            SnapshotHeader header;
            try {
                header = SnapshotFile.read(file, null, n -> { });
            } catch (SnapshotFileException e) {
                throw new KvctlException(ExitCodes.ERROR, e.getMessage());
            }
            Output.summary(parent.root.out, format,
                    List.of(describe(header, file)), true);
            return ExitCodes.OK;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Offline: turns a snapshot file into the data directory of one member of a NEW cluster "
                    + "that starts with the snapshot's znodes, sessions and revision. Run it once per member, with "
                    + "the same FILE and --cluster and each member's own --name and --data-dir, then start every "
                    + "member with kvserver --name N --data-dir DIR --cluster (same list). The old cluster's "
                    + "membership and log are not carried over. --data-dir must be new or empty.",
                "The file's SHA-256 is checked first; a damaged file restores nothing (exit 1)."},
            footerHeading = "%nExamples:%n",
            footer = {
                "  kvctl snapshot restore backup.kvsnap --data-dir /var/lib/kvstore/n1 --name n1 \\",
                "        --cluster n1=10.0.0.1:7380,n2=10.0.0.2:7380,n3=10.0.0.3:7380",
                "  kvctl snapshot restore backup.kvsnap --data-dir ./restored   # single member n1 on 127.0.0.1:7380"})
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;
        @Parameters(index = "0", paramLabel = "FILE", description = "A file from kvctl snapshot save.")
        Path file;
        @Option(names = "--data-dir", paramLabel = "DIR", required = true,
                description = "The new member's data directory (kvserver --data-dir); must be new or empty.")
        Path dataDir;
        @Option(names = "--name", paramLabel = "NAME", defaultValue = "n1",
                description = "The member's name (kvserver --name). Default: ${DEFAULT-VALUE}.")
        String name;
        @Option(names = "--cluster", paramLabel = "NAME=HOST:PORT,...",
                description = "The new cluster's members and peer addresses, as kvserver --cluster. "
                        + "Default: NAME=127.0.0.1:7380 (a single member).")
        String cluster;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "Summary as table, json or yaml. Default: ${DEFAULT-VALUE}.")
        Output.Format format;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(parent.spec.commandLine(), "no such file: " + file);
            }
            String members = cluster != null ? cluster : name + "=127.0.0.1:7380";
            Kvctl root = parent.root;
            Progress progress = Progress.start(root.err, "restored bytes", Files.size(file));
            SnapshotRestore.Result result;
            try {
                result = SnapshotRestore.restore(file, dataDir, name, members, progress::update);
            } catch (SnapshotFileException e) {
                throw new KvctlException(ExitCodes.ERROR, e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(parent.spec.commandLine(), e.getMessage());
            }
            progress.finish(Files.size(file));
            Map<String, Object> r = describe(result.header(), file);
            r.put("dataDir", dataDir.toString());
            r.put("name", name);
            r.put("cluster", members);
            Output.summary(root.out, format, List.of(r), true);
            return ExitCodes.OK;
        }
    }
}
