package io.kvstore.server;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kvstore.api.v1.KVGrpc;
import io.kvstore.server.member.MemberDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives grpc.health.v1: the overall service ({@code ""}) and {@code kvstore.v1.KV} are SERVING while this member
 * knows a leader (so it can serve or forward writes and linearizable reads) and NOT_SERVING otherwise. Logs each
 * change of leader once at INFO. {@link #tick()} is called from one scheduler thread; not thread-safe otherwise.
 */
final class HealthReporter {

    private static final Logger log = LoggerFactory.getLogger(HealthReporter.class);

    private final MemberDirectory members;
    private final HealthStatusManager health;
    private ServingStatus current;
    private String leader;

    HealthReporter(MemberDirectory members, HealthStatusManager health) {
        this.members = members;
        this.health = health;
        set(ServingStatus.NOT_SERVING);
    }

    void tick() {
        String now = members.leaderId().orElse(null);
        if (now == null ? leader != null : !now.equals(leader)) {
            if (now == null) {
                log.info("member {} lost leader {}: not serving until a new one is elected", members.self(), leader);
            } else {
                log.info("member {} sees leader {} in term {}", members.self(), now, members.status().term());
            }
            leader = now;
        }
        set(now == null ? ServingStatus.NOT_SERVING : ServingStatus.SERVING);
    }

    private void set(ServingStatus status) {
        if (status != current) {
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
            health.setStatus(KVGrpc.SERVICE_NAME, status);
            current = status;
        }
    }
}
