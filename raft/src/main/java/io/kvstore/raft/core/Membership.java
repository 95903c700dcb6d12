package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who is in the cluster: voters (elect and count toward commit) and learners (receive the log, do not vote).
 * Immutable. Stored in {@link Entry.Type#CONFIG} entries and snapshots in a small text form
 * ({@code voters=a,b,c;learners=d}) so a log can be read by eye.
 */
public record Membership(Set<String> voters, Set<String> learners) {
    /** Member ids: what the transport, the CLI and the text form can carry unambiguously. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public static final Membership EMPTY = new Membership(Set.of(), Set.of());

    public Membership {
        voters = Set.copyOf(new TreeSet<>(voters));
        learners = Set.copyOf(new TreeSet<>(learners));
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
        String id = change.memberId();
        switch (change.kind()) {
            case ADD_LEARNER -> {
                if (contains(id)) {
                    throw new IllegalArgumentException("member '" + id + "' is already in the cluster");
                }
                l.add(id);
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
        return new Membership(v, l);
    }

    public ByteString encode() {
        return ByteString.copyFromUtf8("voters=" + String.join(",", new TreeSet<>(voters))
                + ";learners=" + String.join(",", new TreeSet<>(learners)));
    }

    public static Membership decode(ByteString data) {
        String text = data.toStringUtf8();
        String[] parts = text.split(";", -1);
        if (parts.length != 2 || !parts[0].startsWith("voters=") || !parts[1].startsWith("learners=")) {
            throw new IllegalArgumentException("not a membership: '" + text + "'");
        }
        return new Membership(split(parts[0].substring(7)), split(parts[1].substring(9)));
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
