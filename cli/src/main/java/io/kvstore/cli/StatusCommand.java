package io.kvstore.cli;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.MemberStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code kvctl status}: one line per endpoint, asked directly (no forwarding, no retry elsewhere). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows each endpoint's own status: name, raft role, leader, term, raft (last log) index, "
                + "applied index, revision and health. Health is 'ok' when the member answered and knows a leader, "
                + "'no-leader' or 'unreachable: <why>' otherwise. Exit 0 when every endpoint is ok, 5 otherwise."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvctl status --endpoints 10.0.0.1:7379,10.0.0.2:7379,10.0.0.3:7379"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Kvctl root;
    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        List<String> endpoints = connection.endpoints(root.env);
        PrintStream out = root.out;
        boolean allOk = true;
        out.printf("%-22s %-12s %-13s %-12s %6s %10s %10s %10s  %s%n", "ENDPOINT", "NAME", "ROLE", "LEADER", "TERM",
                "RAFT INDEX", "APPLIED", "REVISION", "HEALTH");
        try (KvClient kv = connection.connect(root.env)) {
            for (String endpoint : endpoints) {
                try {
                    MemberStatus s = kv.cluster().status(endpoint);
                    boolean ok = !s.leader().isEmpty();
                    allOk &= ok;
                    out.printf("%-22s %-12s %-13s %-12s %6d %10d %10d %10d  %s%n", endpoint, s.name(),
                            s.raftRole() + (s.learner() ? "/learner" : ""), s.leader().isEmpty() ? "-" : s.leader(),
                            s.term(), s.lastLogIndex(), s.appliedIndex(), s.revision(), ok ? "ok" : "no-leader");
                } catch (KvException e) {
                    allOk = false;
                    out.printf("%-22s %-12s %-13s %-12s %6s %10s %10s %10s  unreachable: %s%n", endpoint, "-", "-",
                            "-", "-", "-", "-", "-", e.getMessage());
                }
            }
        }
        return allOk ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
    }
}
