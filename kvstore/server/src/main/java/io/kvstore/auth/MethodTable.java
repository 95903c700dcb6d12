package io.kvstore.auth;

import static io.kvstore.auth.MethodRule.NOTHING;
import static io.kvstore.auth.MethodRule.Who.ANYONE;
import static io.kvstore.auth.MethodRule.Who.MEMBER;
import static io.kvstore.auth.MethodRule.Who.USER;
import static io.kvstore.auth.MethodRule.Who.USER_OR_MEMBER;

import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.ExistsRequest;
import io.kvstore.api.v1.GetRequest;
import io.kvstore.api.v1.ListRequest;
import io.kvstore.api.v1.Permission;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.UserGetRequest;
import io.kvstore.store.Failure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The authorization table: every gRPC method the server serves, by full name, with what it requires once auth is
 * enabled. {@link AuthInterceptor} refuses a method that has no row (fail closed), and {@code MethodTableTest} fails
 * the build when a registered method lacks one, so a new service cannot forget authorization.
 *
 * <p>Adding a service is one line per method here. Immutable; thread-safe.
 */
public final class MethodTable {

    private static final Map<String, MethodRule> RULES = build();

    private MethodTable() {
    }

    /** The rule of {@code fullMethodName}, if it has one. */
    public static Optional<MethodRule> rule(String fullMethodName) {
        return Optional.ofNullable(RULES.get(fullMethodName));
    }

    /** Every method with a rule, sorted. */
    public static java.util.Set<String> methods() {
        return RULES.keySet();
    }

    private static Map<String, MethodRule> build() {
        Map<String, MethodRule> t = new TreeMap<>();
        // KV: the paths each request names.
        row(t, "kvstore.v1.KV/Get", USER, (a, m) -> a.path(Permission.READ, ((GetRequest) m).getPath()));
        row(t, "kvstore.v1.KV/Exists", USER, (a, m) -> a.path(Permission.READ, ((ExistsRequest) m).getPath()));
        row(t, "kvstore.v1.KV/List", USER, (a, m) -> a.path(Permission.READ, ((ListRequest) m).getPath()));
        row(t, "kvstore.v1.KV/Create", USER, (a, m) -> create(a, (CreateRequest) m));
        row(t, "kvstore.v1.KV/Put", USER, (a, m) -> put(a, (PutRequest) m));
        row(t, "kvstore.v1.KV/Delete", USER, (a, m) -> delete(a, (DeleteRequest) m));
        row(t, "kvstore.v1.KV/Txn", USER, (a, m) -> txn(a, (TxnRequest) m));
        // Watch: each watch is checked when created, and each event filtered, by WatchStream (WatchAccess).
        row(t, "kvstore.v1.Watch/Watch", USER, NOTHING);
        // Sessions own ephemeral znodes, whose creates are checked by path; a session itself names no path.
        // A session belongs to the user who opened it (issue 9): only that user or root may use it.
        row(t, "kvstore.v1.Session/Open", USER, NOTHING);
        row(t, "kvstore.v1.Session/KeepAlive", USER, (a, m) -> a.session(
                ((io.kvstore.api.v1.SessionKeepAliveRequest) m).getSessionId()));
        row(t, "kvstore.v1.Session/Close", USER, (a, m) -> a.session(
                ((io.kvstore.api.v1.SessionCloseRequest) m).getSessionId()));
        row(t, "kvstore.v1.Session/Info", USER, (a, m) -> a.session(
                ((io.kvstore.api.v1.SessionInfoRequest) m).getSessionId()));
        // Cluster: reading the membership is for anyone authenticated (members probe each other's Status);
        // changing it needs ADMIN on "/".
        row(t, "kvstore.v1.Cluster/MemberList", USER_OR_MEMBER, NOTHING);
        row(t, "kvstore.v1.Cluster/Status", USER_OR_MEMBER, NOTHING);
        row(t, "kvstore.v1.Cluster/MemberAdd", USER, (a, m) -> a.clusterAdmin());
        row(t, "kvstore.v1.Cluster/MemberPromote", USER, (a, m) -> a.clusterAdmin());
        row(t, "kvstore.v1.Cluster/MemberRemove", USER, (a, m) -> a.clusterAdmin());
        row(t, "kvstore.v1.Cluster/LeaderTransfer", USER, (a, m) -> a.clusterAdmin());
        // Internal: only members.
        row(t, "kvstore.internal.Members/Publish", MEMBER, NOTHING);
        // Auth: management is root's; anyone may try to authenticate; a user may read itself.
        row(t, "kvstore.v1.Auth/Authenticate", ANYONE, NOTHING);
        row(t, "kvstore.v1.Auth/AuthStatus", USER, NOTHING);
        row(t, "kvstore.v1.Auth/UserGet", USER, (a, m) -> a.selfOrRoot(((UserGetRequest) m).getName()));
        for (String method : List.of("AuthEnable", "AuthDisable", "UserAdd", "UserDelete", "UserChangePassword",
                "UserGrantRole", "UserRevokeRole", "UserList", "RoleAdd", "RoleDelete", "RoleGrant", "RoleRevoke",
                "RoleList", "RoleGet")) {
            row(t, "kvstore.v1.Auth/" + method, USER, (a, m) -> a.root());
        }
        // Locks and elections: a lock or election NAME is the znode directory /_locks/NAME or /_elections/NAME
        // (io.kvstore.store.LockQueue), so grants on those prefixes govern them; taking a lock or campaigning
        // writes a waiter there, releasing or proclaiming writes the caller's own waiter key.
        row(t, "kvstore.v1.Lock/Acquire", USER, (a, m) -> first(a.session(
                ((io.kvstore.api.v1.AcquireRequest) m).getSessionId()), waiter(a, io.kvstore.store.LockQueue.LOCKS_ROOT,
                ((io.kvstore.api.v1.AcquireRequest) m).getName())));
        row(t, "kvstore.v1.Lock/TryAcquire", USER, (a, m) -> first(a.session(
                ((io.kvstore.api.v1.AcquireRequest) m).getSessionId()), waiter(a, io.kvstore.store.LockQueue.LOCKS_ROOT,
                ((io.kvstore.api.v1.AcquireRequest) m).getName())));
        row(t, "kvstore.v1.Lock/Release", USER, (a, m) -> a.path(Permission.WRITE,
                ((io.kvstore.api.v1.ReleaseRequest) m).getKey()));
        row(t, "kvstore.v1.Election/Campaign", USER, (a, m) -> first(a.session(
                ((io.kvstore.api.v1.CampaignRequest) m).getSessionId()), waiter(a,
                io.kvstore.store.LockQueue.ELECTIONS_ROOT, ((io.kvstore.api.v1.CampaignRequest) m).getName())));
        row(t, "kvstore.v1.Election/Proclaim", USER, (a, m) -> a.path(Permission.WRITE,
                ((io.kvstore.api.v1.ProclaimRequest) m).getLeader().getKey()));
        row(t, "kvstore.v1.Election/Resign", USER, (a, m) -> a.path(Permission.WRITE,
                ((io.kvstore.api.v1.ResignRequest) m).getLeader().getKey()));
        row(t, "kvstore.v1.Election/Leader", USER, (a, m) -> a.path(Permission.READ,
                io.kvstore.store.LockQueue.ELECTIONS_ROOT + "/" + ((io.kvstore.api.v1.LeaderRequest) m).getName()));
        row(t, "kvstore.v1.Election/Observe", USER, (a, m) -> a.path(Permission.READ,
                io.kvstore.store.LockQueue.ELECTIONS_ROOT + "/" + ((io.kvstore.api.v1.LeaderRequest) m).getName()));
        // Maintenance: a snapshot is the whole state, password hashes included: root only. Info (version, disk
        // usage) tells no data, like Cluster/Status.
        row(t, "kvstore.v1.Maintenance/Snapshot", USER, (a, m) -> a.root());
        row(t, "kvstore.v1.Maintenance/Info", USER_OR_MEMBER, NOTHING);
        // Health must answer load balancers and orchestrators without credentials; it tells only serving or not.
        row(t, "grpc.health.v1.Health/Check", ANYONE, NOTHING);
        row(t, "grpc.health.v1.Health/Watch", ANYONE, NOTHING);
        // Reflection describes the (public) API schema, no data; grpcurl needs it before it can send credentials.
        row(t, "grpc.reflection.v1.ServerReflection/ServerReflectionInfo", ANYONE, NOTHING);
        row(t, "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", ANYONE, NOTHING);
        return java.util.Collections.unmodifiableMap(t);
    }

    private static void row(Map<String, MethodRule> t, String method, MethodRule.Who who, MethodRule.Check check) {
        if (t.put(method, new MethodRule(who, check)) != null) {
            throw new IllegalStateException("two rows for " + method);
        }
    }

    private static Optional<Failure> first(Optional<Failure> a, Optional<Failure> b) {
        return a.isPresent() ? a : b;
    }

    private static Optional<Failure> create(Access a, CreateRequest r) {
        Optional<Failure> session = a.session(r.getSessionId());
        if (session.isPresent()) {
            return session;
        }
        // A sequential create writes path + a 19-digit suffix the server picks: check a name of that shape, so an
        // exact grant on the prefix path alone does not allow it.
        String path = r.getSequential() && io.kvstore.store.ZPath.check(r.getPath()).isEmpty()
                ? r.getPath() + "0".repeat(19) : r.getPath();
        return r.getMakeParents() ? a.writeMakingParents(path) : a.path(Permission.WRITE, path);
    }

    /**
     * Queuing a waiter on lock or election {@code name} under {@code root}: checked exactly as the KV create the
     * member makes for it (sequential {@code root/name/w-}, making parents), because a follower forwards that create
     * to the leader, which checks it again as the caller's. So leader and follower decide alike: a grant on
     * {@code root/name/} (a prefix) allows it, plus one on {@code root} while that znode does not exist yet.
     */
    private static Optional<Failure> waiter(Access a, String root, String name) {
        return create(a, CreateRequest.newBuilder().setPath(root + "/" + name + "/"
                + io.kvstore.store.LockQueue.WAITER_PREFIX).setSequential(true).setMakeParents(true).build());
    }

    private static Optional<Failure> put(Access a, PutRequest r) {
        return r.getMakeParents() ? a.writeMakingParents(r.getPath()) : a.path(Permission.WRITE, r.getPath());
    }

    private static Optional<Failure> delete(Access a, DeleteRequest r) {
        return r.getRecursive() ? a.subtree(Permission.WRITE, r.getPath()) : a.path(Permission.WRITE, r.getPath());
    }

    /** Every compare and every operation of both branches: a caller learns nothing from a branch it may not run. */
    private static Optional<Failure> txn(Access a, TxnRequest r) {
        List<Optional<Failure>> checks = new ArrayList<>();
        for (Compare c : r.getCompareList()) {
            checks.add(a.path(Permission.READ, c.getPath()));
        }
        List<TxnOp> ops = new ArrayList<>(r.getSuccessList());
        ops.addAll(r.getFailureList());
        for (TxnOp op : ops) {
            checks.add(switch (op.getOpCase()) {
                case CREATE -> create(a, op.getCreate());
                case PUT -> put(a, op.getPut());
                case DELETE -> delete(a, op.getDelete());
                case GET -> a.path(Permission.READ, op.getGet().getPath());
                case OP_NOT_SET -> Optional.empty(); // the validator rejects it
            });
        }
        return checks.stream().filter(Optional::isPresent).findFirst().orElse(Optional.empty());
    }
}
