package io.kvstore.jepsen.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Linux network namespace per member and one for the client, all joined by a bridge that lives in a namespace
 * of the harness's own, so nothing touches the host's interfaces:
 *
 * <pre>
 *   kvj&lt;pid&gt;-h:   br0 ── v1 ─┬─ eth0 10.77.0.11  (kvj&lt;pid&gt;-n1, member n1)
 *                     v2 ─┼─ eth0 10.77.0.12  (kvj&lt;pid&gt;-n2)
 *                     ...  ├─ ...
 *                     vc ─┴─ eth0 10.77.0.100 (kvj&lt;pid&gt;-c, the workload JVM)
 * </pre>
 *
 * <p>A cut link a-b is a blackhole route to b's address in a's namespace and one to a's in b's: packets are dropped
 * silently in both directions, as on a broken switch, and the client still reaches both. Names carry the harness's
 * pid, so {@link #removeStale()} can tell namespaces of dead harnesses (removed, with their processes) from those
 * of a harness still running (left alone). Requires root and iproute2; no iptables.
 */
public final class NamespaceNetwork implements Network {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceNetwork.class);
    static final String PREFIX = "kvj";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)-\\S+");
    /** A private range used only inside our namespaces; nothing routes it anywhere else. */
    private static final String SUBNET = "10.77.0.";
    private static final int CLIENT_PORT = 7379;
    private static final int PEER_PORT = 7380;

    private final int members;
    private final String prefix;
    private final List<String> created = new ArrayList<>();
    private final Set<Link> cut = new HashSet<>();
    private String netemUnavailable;
    private boolean netemApplied;
    private boolean closed;

    public NamespaceNetwork(int members) {
        if (members < 1 || members > 50) {
            throw new IllegalArgumentException("members must be in 1..50: " + members);
        }
        this.members = members;
        this.prefix = PREFIX + ProcessHandle.current().pid() + "-";
    }

    /** Null when this machine can run namespaces (root, iproute2, `ip netns add` works), else why not. */
    public static String unavailableReason() {
        Shell.Result id = Shell.run("id", "-u");
        if (!id.ok() || !id.output().equals("0")) {
            return "network namespaces need root (id -u is " + id.output() + ")";
        }
        Shell.Result ip = Shell.run("ip", "-V");
        if (!ip.ok()) {
            return "iproute2 is missing (`ip -V`: " + ip.output() + "); install the iproute2 package";
        }
        String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
        Shell.Result add = Shell.run("ip", "netns", "add", probe);
        if (!add.ok()) {
            return "`ip netns add` fails: " + add.output();
        }
        Shell.Result bridge = Shell.run("ip", "-n", probe, "link", "add", "br0", "type", "bridge");
        Shell.run("ip", "netns", "del", probe);
        return bridge.ok() ? null : "cannot create a bridge in a namespace: " + bridge.output();
    }

    /** Removes namespaces (and kills their processes) left by harnesses that are no longer running. */
    public static void removeStale() {
        Shell.Result list = Shell.run("ip", "netns", "list");
        if (!list.ok()) {
            return;
        }
        for (String line : list.output().split("\n")) {
            Matcher m = OURS.matcher(line.strip());
            if (!m.find()) {
                continue;
            }
            long pid = Long.parseLong(m.group(1));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue; // another harness's, still running
            }
            String ns = line.strip().split("\\s+")[0];
            LOG.info("removing stale namespace " + ns + " of harness pid " + pid);
            killAll(ns);
            Shell.run("ip", "netns", "del", ns);
        }
    }

    private static void killAll(String ns) {
        Shell.Result pids = Shell.run("ip", "netns", "pids", ns);
        if (!pids.ok()) {
            return;
        }
        for (String pid : pids.output().split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Override
    public String kind() {
        return "namespaces";
    }

    private String hub() {
        return prefix + "h";
    }

    private String memberNs(int m) {
        return prefix + "n" + (m + 1);
    }

    private String clientNs() {
        return prefix + "c";
    }

    private static String memberIp(int m) {
        return SUBNET + (11 + m);
    }

    @Override
    public synchronized void setUp() {
        add(hub());
        Shell.check("ip", "-n", hub(), "link", "set", "lo", "up");
        Shell.check("ip", "-n", hub(), "link", "add", "br0", "type", "bridge");
        Shell.check("ip", "-n", hub(), "link", "set", "br0", "up");
        for (int m = 0; m < members; m++) {
            attach(memberNs(m), "v" + (m + 1), memberIp(m));
        }
        attach(clientNs(), "vc", SUBNET + "100");
        Shell.Result probe = Shell.run("ip", "netns", "exec", memberNs(0), "tc", "qdisc", "add", "dev", "eth0",
                "root", "netem", "delay", "1ms");
        if (probe.ok()) {
            Shell.run("ip", "netns", "exec", memberNs(0), "tc", "qdisc", "del", "dev", "eth0", "root");
        } else {
            netemUnavailable = "tc netem fails (" + probe.output() + "): the sch_netem module is not available";
        }
    }

    private void add(String ns) {
        Shell.check("ip", "netns", "add", ns);
        created.add(ns);
    }

    private void attach(String ns, String hubSide, String ip) {
        add(ns);
        Shell.check("ip", "-n", hub(), "link", "add", hubSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.check("ip", "-n", hub(), "link", "set", hubSide, "master", "br0");
        Shell.check("ip", "-n", hub(), "link", "set", hubSide, "up");
        Shell.check("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
        Shell.check("ip", "-n", ns, "link", "set", "eth0", "up");
        Shell.check("ip", "-n", ns, "link", "set", "lo", "up");
    }

    @Override
    public String clientAddress(int m) {
        return memberIp(m) + ":" + CLIENT_PORT;
    }

    @Override
    public String peerAddress(int m) {
        return memberIp(m) + ":" + PEER_PORT;
    }

    @Override
    public List<String> memberPrefix(int m) {
        return List.of("ip", "netns", "exec", memberNs(m));
    }

    @Override
    public List<String> clientPrefix() {
        return List.of("ip", "netns", "exec", clientNs());
    }

    @Override
    public boolean supportsPartitions() {
        return true;
    }

    @Override
    public synchronized void cut(Set<Link> links) {
        for (Link l : List.copyOf(cut)) {
            if (!links.contains(l)) {
                blackhole("del", l);
                cut.remove(l);
            }
        }
        for (Link l : links) {
            if (cut.add(l)) {
                blackhole("add", l);
            }
        }
    }

    private void blackhole(String verb, Link l) {
        Shell.check("ip", "-n", memberNs(l.a()), "route", verb, "blackhole", memberIp(l.b()) + "/32");
        Shell.check("ip", "-n", memberNs(l.b()), "route", verb, "blackhole", memberIp(l.a()) + "/32");
    }

    @Override
    public String netemUnavailableReason() {
        return netemUnavailable;
    }

    @Override
    public synchronized void netem(String netemArgs) {
        if (netemUnavailable != null) {
            throw new IllegalStateException(netemUnavailable);
        }
        for (int m = 0; m < members; m++) {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", memberNs(m), "tc", "qdisc", "replace",
                    "dev", "eth0", "root", "netem"));
            cmd.addAll(List.of(netemArgs.trim().split("\\s+")));
            Shell.Result r = Shell.run(cmd);
            if (!r.ok()) {
                throw new IllegalStateException("netem on n" + (m + 1) + ": " + r.output());
            }
        }
        netemApplied = true;
    }

    @Override
    public synchronized void clearNetem() {
        if (!netemApplied) {
            return;
        }
        for (int m = 0; m < members; m++) {
            Shell.run("ip", "netns", "exec", memberNs(m), "tc", "qdisc", "del", "dev", "eth0", "root");
        }
        netemApplied = false;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : created) {
            killAll(ns); // only processes inside our own namespaces; members were normally stopped already
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            Shell.Result r = Shell.run("ip", "netns", "del", created.get(i));
            if (!r.ok()) {
                LOG.warn("could not delete namespace " + created.get(i) + ": " + r.output());
            }
        }
        created.clear();
    }
}
