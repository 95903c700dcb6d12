package io.kvstore.cli;

import io.kvstore.api.v1.InfoResponse;
import io.kvstore.maintenance.ServerVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kvctl version}: this kvctl's version and each endpoint's server version. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Prints kvctl's version and the version each endpoint runs ('unreachable: ...' for one that "
                + "did not answer; exit 5 then). --client-only asks no server.",
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl version", "  kvctl version --client-only", "  kvctl version -o json"})
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;
    @Option(names = "--client-only", description = "Print only kvctl's own version.")
    boolean clientOnly;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json, yaml or value (just the versions, one per line). Default: ${DEFAULT-VALUE}.")
    Output.Format format;

    @Override
    public Integer call() {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("kvctl", "client", ServerVersion.get()));
        boolean allOk = true;
        if (!clientOnly) {
            for (String endpoint : connection.endpoints(root.env)) {
                try (Maintenance m = new Maintenance(endpoint, connection.channels(root.env))) {
                    InfoResponse info = m.info(connection.timeout);
                    rows.add(row(endpoint, info.getName(), info.getServerVersion()));
                } catch (KvctlException e) {
                    allOk = false;
                    rows.add(row(endpoint, "-", e.getMessage()));
                }
            }
        }
        if (format == Output.Format.value) {
            rows.forEach(r -> root.out.println(r.get("version")));
        } else {
            Output.print(root.out, format, rows, false);
        }
        return allOk ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
    }

    /** {@code kvctl --version}: the build's version, as {@code kvctl version --client-only} prints it. */
    static final class Provider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kvctl " + ServerVersion.get()};
        }
    }

    private static Map<String, Object> row(String endpoint, String name, String version) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("endpoint", endpoint);
        r.put("name", name);
        r.put("version", version);
        return r;
    }
}
