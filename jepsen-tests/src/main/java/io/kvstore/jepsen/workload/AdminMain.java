package io.kvstore.jepsen.workload;

import io.kvstore.client.ClusterAdmin;
import io.kvstore.client.ClusterMember;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvException;
import io.kvstore.client.KvPreconditionException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Membership changes for the nemesis, as a JVM the harness starts in the client's network namespace (the harness
 * itself cannot reach the members there), through kvstore's {@link ClusterAdmin}:
 *
 * <pre>
 * java ... AdminMain ENDPOINTS remove NAME          removes NAME (the leader hands over first)
 * java ... AdminMain ENDPOINTS readd NAME PEER_ADDR  adds NAME (started with --join) as a learner, then promotes it
 *                                                   once it has caught up (retrying LEARNER_BEHIND for 60 s)
 * </pre>
 * Prints one line saying what happened and exits 0, or prints the error and exits 1.
 */
public final class AdminMain {
    private static final Duration PROMOTE_DEADLINE = Duration.ofSeconds(60);

    private AdminMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: AdminMain ENDPOINTS remove NAME | readd NAME PEER_ADDR");
            System.exit(2);
        }
        List<String> endpoints = Arrays.asList(args[0].split(","));
        try (KvClient kv = KvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(3))
                .retryDeadline(Duration.ofSeconds(20)).build()) {
            ClusterAdmin admin = kv.cluster();
            String name = args[2];
            if (args[1].equals("remove")) {
                try {
                    System.out.println("removed " + name + "; members now " + names(admin.remove(name)));
                } catch (KvException e) {
                    // A remove retried after its first attempt was applied (the answer was lost, for example when
                    // the removed member led and handed over) fails with MEMBER_NOT_FOUND: ask what happened.
                    List<ClusterMember> now = admin.members();
                    if (now.stream().anyMatch(m -> m.name().equals(name))) {
                        throw e;
                    }
                    System.out.println("removed " + name + " (the call ended with " + e.getClass().getSimpleName()
                            + ", the membership shows it gone); members now " + names(now));
                }
            } else if (args[1].equals("readd") && args.length == 4) {
                admin.addLearner(name, args[3]);
                long start = System.nanoTime();
                long deadline = start + PROMOTE_DEADLINE.toNanos();
                while (true) { // bounded by PROMOTE_DEADLINE
                    try {
                        List<ClusterMember> after = admin.promote(name);
                        System.out.printf("added %s as a learner, promoted after %.1f s; members now %s%n", name,
                                (System.nanoTime() - start) / 1e9, names(after));
                        break;
                    } catch (KvPreconditionException behind) {
                        if (System.nanoTime() - deadline > 0) {
                            throw behind;
                        }
                        Thread.sleep(500); // the learner is catching up; promote is refused until it has
                    }
                }
            } else {
                System.err.println("unknown admin command " + String.join(" ", args));
                System.exit(2);
            }
        } catch (KvException e) {
            System.out.println("failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private static List<String> names(List<ClusterMember> members) {
        return members.stream().map(m -> m.name() + (m.voter() ? "" : "(learner)")).toList();
    }
}
