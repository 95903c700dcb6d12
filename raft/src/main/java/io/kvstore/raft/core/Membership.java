package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who is in the cluster: voters (elect and count toward commit) and learners (receive the log, do not vote), and
 * the peer addresses of members added at runtime (bootstrap members' addresses come from the runtime's
 * configuration). The core never reads the addresses; they ride along so every member's transport learns them
 * from the log. Immutable. Stored in {@link Entry.Type#CONFIG} entries and snapshots in a small text form
 * ({@code voters=a,b,c;learners=d;addresses=d@10.0.0.4:7380}) so a log can be read by eye.
 */
public record Membership(Set<String> voters, Set<String> learners, Map<String, String> addresses) {
    /** Member ids: what the transport, the CLI and the text form can carry unambiguously. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Addresses: host:port without the separators of the text form. */
    private static final Pattern ADDRESS = Pattern.compile("[^;,@=\\s]{1,255}");

    public static final Membership EMPTY = new Membership(Set.of(), Set.of());

    public Membership(Set<String> voters, Set<String> learners) {
        this(voters, learners, Map.of());
    }

    public Membership {
        voters = Set.copyOf(new TreeSet<>(voters));
        learners = Set.copyOf(new TreeSet<>(learners));
        TreeMap<String, String> known = new TreeMap<>();
        for (Map.Entry<String, String> e : addresses.entrySet()) {
            if (!voters.contains(e.getKey()) && !learners.contains(e.getKey())) {
                continue; // addresses of removed members are dropped
            }
            if (e.getValue() == null || !ADDRESS.matcher(e.getValue()).matches()) {
                throw new IllegalArgumentException("bad address for member '" + e.getKey() + "': '" + e.getValue()
                        + "'");
            }
            known.put(e.getKey(), e.getValue());
        }
        addresses = Collections.unmodifiableMap(known);
        for (String id : voters) {
            checkId(id);
            if (learners.contains(id)) {
                throw new IllegalArgumentException("member '" + id + "' is both voter and learner");
            }
        }
        learners.forEach(Membership::checkId);
    }

    static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("member id must match " + ID.pattern() + ": '" + id + "'");
        }
    }

    public static Membership ofVoters(Set<String> voters) {
        return new Membership(voters, Set.of());
    }

    public boolean contains(String id) {
        return voters.contains(id) || learners.contains(id);
    }

    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /** Voters and learners, sorted: a stable iteration order keeps simulations replayable. */
    public List<String> all() {
        TreeSet<String> all = new TreeSet<>(voters);
        all.addAll(learners);
        return List.copyOf(all);
    }

    /** The membership after {@code change}, or an exception naming why the change does not apply. */
    public Membership apply(MembershipChange change) {
        Set<String> v = new TreeSet<>(voters);
        Set<String> l = new TreeSet<>(learners);
        Map<String, String> a = new TreeMap<>(addresses);
        String id = change.memberId();
        switch (change.kind()) {
            case ADD_LEARNER -> {
                if (contains(id)) {
                    throw new IllegalArgumentException("member '" + id + "' is already in the cluster");
                }
                if (change.address() == null) {
                    throw new IllegalArgumentException("adding member '" + id + "' needs its peer address");
                }
                l.add(id);
                a.put(id, change.address());
            }
            case PROMOTE -> {
                if (!learners.contains(id)) {
                    throw new IllegalArgumentException("member '" + id + "' is not a learner");
                }
                l.remove(id);
                v.add(id);
            }
            case REMOVE -> {
                if (!contains(id)) {
                    throw new IllegalArgumentException("member '" + id + "' is not in the cluster");
                }
                if (v.contains(id) && v.size() == 1) {
                    throw new IllegalArgumentException("cannot remove '" + id + "', the last voter");
                }
                v.remove(id);
                l.remove(id);
            }
        }
        return new Membership(v, l, a);
    }

    public ByteString encode() {
        StringBuilder text = new StringBuilder("voters=").append(String.join(",", new TreeSet<>(voters)))
                .append(";learners=").append(String.join(",", new TreeSet<>(learners)));
        if (!addresses.isEmpty()) {
            List<String> pairs = new ArrayList<>();
            addresses.forEach((id, address) -> pairs.add(id + "@" + address));
            text.append(";addresses=").append(String.join(",", pairs));
        }
        return ByteString.copyFromUtf8(text.toString());
    }

    public static Membership decode(ByteString data) {
        String text = data.toStringUtf8();
        String[] parts = text.split(";", -1);
        if (parts.length < 2 || parts.length > 3 || !parts[0].startsWith("voters=")
                || !parts[1].startsWith("learners=") || (parts.length == 3 && !parts[2].startsWith("addresses="))) {
            throw new IllegalArgumentException("not a membership: '" + text + "'");
        }
        Map<String, String> addresses = new TreeMap<>();
        if (parts.length == 3) {
            for (String pair : split(parts[2].substring(10))) {
                int at = pair.indexOf('@');
                if (at <= 0) {
                    throw new IllegalArgumentException("not a membership address: '" + pair + "'");
                }
                addresses.put(pair.substring(0, at), pair.substring(at + 1));
            }
        }
        return new Membership(split(parts[0].substring(7)), split(parts[1].substring(9)), addresses);
    }

    private static Set<String> split(String csv) {
        List<String> ids = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isEmpty()) {
                ids.add(s);
            }
        }
        return new TreeSet<>(ids);
    }

    @Override
    public String toString() {
        return encode().toStringUtf8();
    }
}
