package io.kvstore.cli;

import io.kvstore.api.v1.InfoResponse;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.MemberStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kvctl status}: one line per endpoint, asked directly (no forwarding, no retry elsewhere). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows each endpoint's own status: member name, raft role, leader, term, raft (last log) "
                + "index, commit and applied index, store revision, DB size (bytes of its state directory), server "
                + "version and health. Health is 'ok' when the member answered and knows a leader, 'no-leader' or "
                + "'unreachable: <why>' otherwise. Exit 0 when every endpoint is ok, 5 otherwise.",
            "json/yaml: a list of objects with the keys endpoint, name, role, leader, term, raftIndex, commitIndex, "
                + "appliedIndex, revision, dbSizeBytes, version, health (null for what an unreachable endpoint "
                + "could not tell)."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl status --endpoints 10.0.0.1:7379,10.0.0.2:7379,10.0.0.3:7379",
            "  kvctl status -o json | jq -r '.[] | select(.role==\"LEADER\") | .endpoint'"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json or yaml. Default: ${DEFAULT-VALUE}.")
    Output.Format format;

    @Override
    public Integer call() {
        List<String> endpoints = connection.endpoints(root.env);
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean allOk = true;
        try (KvClient kv = connection.connect(root.env)) {
            for (String endpoint : endpoints) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("endpoint", endpoint);
                try {
                    MemberStatus s = kv.cluster().status(endpoint);
                    boolean ok = !s.leader().isEmpty();
                    allOk &= ok;
                    r.put("name", s.name());
                    r.put("role", s.raftRole() + (s.learner() ? "/learner" : ""));
                    r.put("leader", s.leader().isEmpty() ? null : s.leader());
                    r.put("term", s.term());
                    r.put("raftIndex", s.lastLogIndex());
                    r.put("commitIndex", s.commitIndex());
                    r.put("appliedIndex", s.appliedIndex());
                    r.put("revision", s.revision());
                    InfoResponse info = info(endpoint);
                    r.put("dbSizeBytes", info == null ? null : info.getDbSizeBytes());
                    r.put("version", info == null ? null : info.getServerVersion());
                    r.put("health", ok ? "ok" : "no-leader");
                } catch (KvException e) {
                    allOk = false;
                    for (String key : List.of("name", "role", "leader", "term", "raftIndex", "commitIndex",
                            "appliedIndex", "revision", "dbSizeBytes", "version")) {
                        r.put(key, null);
                    }
                    r.put("health", "unreachable: " + e.getMessage());
                }
                rows.add(r);
            }
        }
        Output.summary(root.out, format, rows, false);
        return allOk ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
    }

    /** Version and DB size; null from a member without the Maintenance service, which is still healthy. */
    private InfoResponse info(String endpoint) {
        try (Maintenance m = new Maintenance(endpoint, connection.channels(root.env))) {
            return m.info(connection.timeout);
        } catch (KvctlException e) {
            return null;
        }
    }
}
