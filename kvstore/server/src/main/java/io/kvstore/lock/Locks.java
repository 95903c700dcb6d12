package io.kvstore.lock;

import io.grpc.BindableService;
import io.kvstore.raft.RaftNode;
import io.kvstore.server.member.MemberChannels;
import io.kvstore.server.member.MemberDirectory;
import io.kvstore.store.KvStateMachine;
import io.kvstore.watch.WatchHub;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** Builds the Lock and Election services of one member, sharing one writer and one acquirer. */
public final class Locks {

    private Locks() {
    }

    /**
     * @param executor runs evaluations and continuations; never a raft thread
     * @param scheduler runs acquisition timeouts and deadlines of detached writes
     * @param standing ends Observe streams once this member learns it was removed from the cluster
     * @return the Lock and Election services, to register through the server's interceptor chain
     */
    public static List<BindableService> services(MemberDirectory members, RaftNode raft, KvStateMachine store,
                                                 WatchHub hub, MemberChannels channels, Executor executor,
                                                 ScheduledExecutorService scheduler,
                                                 io.kvstore.server.member.MemberStanding standing) {
        StoreWriter writer = new StoreWriter(members, raft, channels, scheduler);
        Acquirer acquirer = new Acquirer(writer, hub, store, executor, scheduler);
        return List.of(new LockService(members, acquirer, writer),
                new ElectionService(members, raft, store, hub, acquirer, writer, executor, standing));
    }
}
