package io.kvstore.cli;

import io.kvstore.client.ClusterMember;
import io.kvstore.client.KvClient;
import io.kvstore.client.ReadConsistency;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvctl member list|add|promote|remove}: the cluster's membership (see docs/server.md). */
@Command(name = "member", mixinStandardHelpOptions = true,
        description = "Lists and changes the cluster's members.",
        subcommands = {MemberCommand.ListMembers.class, MemberCommand.Add.class, MemberCommand.Promote.class,
                MemberCommand.Remove.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kvctl member list",
            "  kvctl member add n4 10.0.0.4:7380     # n4 started with --join; it joins as a learner",
            "  kvctl member promote n4               # once 'member list' shows its lag near 0; exit 4 while behind",
            "  kvctl member remove n1                # also the leader: leadership moves to another voter first"})
final class MemberCommand implements Runnable {
    @ParentCommand
    Kvctl root;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a member command is required: list, add, promote, remove");
    }

    /** Prints the membership after a change: {@code member list}'s table without the LAG column. */
    static void print(PrintStream out, List<ClusterMember> members) {
        print(out, members, false);
    }

    static void print(PrintStream out, List<ClusterMember> members, boolean withLag) {
        out.printf("%-16s %-8s %-22s %-22s %s%n", "NAME", "ROLE", "PEER ADDR", "CLIENT ADDR",
                withLag ? String.format("%-7s %s", "LEADER", "LAG") : "LEADER");
        for (ClusterMember m : members) {
            String leader = m.leader() ? "*" : "";
            out.printf("%-16s %-8s %-22s %-22s %s%n", m.name(), m.voter() ? "voter" : "learner",
                    dash(m.peerAddress()), dash(m.clientAddress()), withLag ? String.format("%-7s %s", leader,
                            m.progressKnown() ? Long.toString(m.lag()) : "?") : leader);
        }
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the members: name, role, peer and client address, the leader (*), and how many "
                    + "log entries each is behind the leader ('?' when the leader could not ask it)."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl member list", "  kvctl member list --local       # this member's view, also without a leader"})
    static final class ListMembers implements Callable<Integer> {
        @ParentCommand
        MemberCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--local", description = "Answer from the first member reached, without asking the leader "
                + "(no lag column).")
        boolean local;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table, json or yaml: a list of {name, role, peerAddress, clientAddress, leader, lag} "
                        + "(lag null when unknown). Default: ${DEFAULT-VALUE}.")
        Output.Format format;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                List<ClusterMember> members = kv.cluster().members(local ? ReadConsistency.SERIALIZABLE
                        : ReadConsistency.LINEARIZABLE);
                if (format == Output.Format.json || format == Output.Format.yaml) {
                    Output.print(parent.root.out, format, members.stream().map(ListMembers::record).toList(), false);
                } else {
                    print(parent.root.out, members, !local);
                }
            }
            return ExitCodes.OK;
        }

        private static java.util.Map<String, Object> record(ClusterMember m) {
            java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
            r.put("name", m.name());
            r.put("role", m.voter() ? "voter" : "learner");
            r.put("peerAddress", m.peerAddress());
            r.put("clientAddress", m.clientAddress());
            r.put("leader", m.leader());
            r.put("lag", m.progressKnown() ? m.lag() : null);
            return r;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Adds a member as a learner (it receives the log but does not vote). Start it with "
                    + "--join first. Promote it once it has caught up."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl member add n4 10.0.0.4:7380"})
    static final class Add implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        MemberCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME", description = "The new member's --name.")
        String name;
        @Parameters(index = "1", paramLabel = "PEER_ADDR", description = "Its --peer-addr (host:port).")
        String peerAddress;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                print(parent.root.out, kv.cluster().addLearner(name, peerAddress));
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return "member " + name;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Makes a learner a voter. Refused (exit 4, 'learner behind') while it has not caught up "
                    + "with the leader: wait and retry."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl member promote n4"})
    static final class Promote implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        MemberCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME", description = "The learner's name.")
        String name;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                print(parent.root.out, kv.cluster().promote(name));
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return "member " + name;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Removes a member. Removing the leader first hands leadership to the most up-to-date "
                    + "other voter. Stop the removed member's process afterwards."},
            footerHeading = "%nExamples:%n",
            footer = {"  kvctl member remove n2"})
    static final class Remove implements Callable<Integer>, Kvctl.Subject {
        @ParentCommand
        MemberCommand parent;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "NAME", description = "The member's name.")
        String name;

        @Override
        public Integer call() {
            try (KvClient kv = connection.connect(parent.root.env)) {
                print(parent.root.out, kv.cluster().remove(name));
            }
            return ExitCodes.OK;
        }

        @Override
        public String subject() {
            return "member " + name;
        }
    }
}
