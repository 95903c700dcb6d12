package io.kvstore.store;

import io.kvstore.api.ErrorCode;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kvstore.api.v1.Compare;
import io.kvstore.api.v1.CreateRequest;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteRequest;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.PutRequest;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnOp;
import io.kvstore.api.v1.TxnOpResult;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.store.command.Command;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The oracle for {@link KvStateMachineModelTest}: the same semantics written as plainly as possible over a TreeMap
 * of full path strings, with child counts computed by scanning instead of maintained, a txn run on a copy of the
 * whole map, and the dedup table as a HashMap. Shares only {@link RequestValidator} with the real store.
 */
final class TreeModel {

    /** A znode without its child count, which is always computed. */
    record Node(long version, long createRevision, long modRevision, long childrenRevision, ByteString data) {
    }

    private record Dedup(long sequence, long lastIndex, WriteResult result) {
    }

    private TreeMap<String, Node> nodes = new TreeMap<>();
    private final Map<String, Dedup> dedup = new HashMap<>();
    private final int dedupMax;
    private long revision;
    private long appliedIndex;

    TreeModel(int dedupMax) {
        this.dedupMax = dedupMax;
        nodes.put("/", new Node(0, 0, 0, 0, ByteString.EMPTY));
    }

    long revision() {
        return revision;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /** Whether the model still holds the result of {@code clientId}'s write number {@code sequence}. */
    boolean remembers(String clientId, long sequence) {
        Dedup entry = dedup.get(clientId);
        return entry != null && entry.sequence() == sequence;
    }

    /** Every znode path, sorted. */
    List<String> paths() {
        return new ArrayList<>(nodes.keySet());
    }

    Node node(String path) {
        return nodes.get(path);
    }

    Stat stat(String path) {
        return stat(nodes, path);
    }

    /** Child names of {@code path}, sorted. */
    List<String> children(String path) {
        return children(nodes, path);
    }

    void noop(long index) {
        appliedIndex = index;
    }

    WriteResult apply(long index, Command command) {
        appliedIndex = index;
        String client = command.getClientId();
        Dedup previous = client.isEmpty() ? null : dedup.get(client);
        if (previous != null && command.getSequence() == previous.sequence()) {
            return previous.result();
        }
        if (previous != null && command.getSequence() < previous.sequence()) {
            return Failure.of(ErrorCode.STALE_SEQUENCE, "stale");
        }
        WriteResult result = execute(command);
        if (!client.isEmpty()) {
            if (previous == null && dedup.size() == dedupMax) {
                String oldest = dedup.entrySet().stream()
                        .min((a, b) -> Long.compare(a.getValue().lastIndex(), b.getValue().lastIndex()))
                        .orElseThrow().getKey();
                dedup.remove(oldest);
            }
            dedup.put(client, new Dedup(command.getSequence(), index, result));
        }
        return result;
    }

    private WriteResult execute(Command command) {
        Optional<Failure> invalid = RequestValidator.validate(command);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        TreeMap<String, Node> work = new TreeMap<>(nodes);
        long rev = revision + 1;
        Object out = switch (command.getOpCase()) {
            case CREATE -> create(work, command.getCreate(), rev);
            case PUT -> put(work, command.getPut(), rev);
            case DELETE -> delete(work, command.getDelete(), rev);
            case TXN -> txn(work, command.getTxn(), rev);
            default -> throw new AssertionError(command);
        };
        if (out instanceof Failure f) {
            return f;
        }
        if (!work.equals(nodes)) {
            nodes = work;
            revision = rev;
        }
        return new WriteResult.Success(revision, (Message) out);
    }

    private static Object create(TreeMap<String, Node> t, CreateRequest r, long rev) {
        String path = r.getPath();
        if (t.containsKey(path)) {
            return Failure.of(ErrorCode.ALREADY_EXISTS, path);
        }
        Failure f = parents(t, path, r.getMakeParents(), rev);
        if (f != null) {
            return f;
        }
        add(t, path, r.getValue(), rev);
        return CreateResponse.newBuilder().setPath(path).setStat(stat(t, path)).build();
    }

    private static Object put(TreeMap<String, Node> t, PutRequest r, long rev) {
        String path = r.getPath();
        Node cur = t.get(path);
        Failure f = versionCheck(cur, r.hasExpectedVersion(), r.getExpectedVersion());
        if (f != null) {
            return f;
        }
        if (cur == null) {
            f = parents(t, path, r.getMakeParents(), rev);
            if (f != null) {
                return f;
            }
            add(t, path, r.getValue(), rev);
            return PutResponse.newBuilder().setStat(stat(t, path)).setCreated(true).build();
        }
        t.put(path, new Node(cur.version() + 1, cur.createRevision(), rev, cur.childrenRevision(), r.getValue()));
        return PutResponse.newBuilder().setStat(stat(t, path)).build();
    }

    private static Object delete(TreeMap<String, Node> t, DeleteRequest r, long rev) {
        String path = r.getPath();
        Node cur = t.get(path);
        Failure f = versionCheck(cur, r.hasExpectedVersion(), r.getExpectedVersion());
        if (f != null) {
            return f;
        }
        if (cur == null) {
            return Failure.of(ErrorCode.NOT_FOUND, path);
        }
        if (!children(t, path).isEmpty() && !r.getRecursive()) {
            return Failure.of(ErrorCode.HAS_CHILDREN, path);
        }
        List<String> doomed = new ArrayList<>();
        for (String p : t.keySet()) {
            if (p.equals(path) || p.startsWith(path + "/")) {
                doomed.add(p);
            }
        }
        doomed.forEach(t::remove);
        touchChildren(t, parent(path), rev);
        return DeleteResponse.newBuilder().setDeleted(doomed.size()).build();
    }

    private static Object txn(TreeMap<String, Node> t, TxnRequest r, long rev) {
        boolean ok = true;
        for (Compare c : r.getCompareList()) {
            ok &= holds(t, c);
        }
        List<TxnOp> branch = ok ? r.getSuccessList() : r.getFailureList();
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(ok);
        for (int i = 0; i < branch.size(); i++) {
            TxnOp op = branch.get(i);
            Object out = switch (op.getOpCase()) {
                case CREATE -> create(t, op.getCreate(), rev);
                case PUT -> put(t, op.getPut(), rev);
                case DELETE -> delete(t, op.getDelete(), rev);
                case GET -> t.containsKey(op.getGet().getPath())
                        ? GetResponse.newBuilder().setStat(stat(t, op.getGet().getPath()))
                                .setValue(t.get(op.getGet().getPath()).data()).build()
                        : GetResponse.getDefaultInstance();
                default -> throw new AssertionError(op);
            };
            if (out instanceof Failure f) {
                return f.atOp(i);
            }
            TxnOpResult.Builder b = TxnOpResult.newBuilder();
            if (out instanceof CreateResponse x) {
                b.setCreate(x);
            } else if (out instanceof PutResponse x) {
                b.setPut(x);
            } else if (out instanceof DeleteResponse x) {
                b.setDelete(x);
            } else {
                b.setGet((GetResponse) out);
            }
            response.addResults(b);
        }
        return response.build();
    }

    private static boolean holds(TreeMap<String, Node> t, Compare c) {
        Node n = t.get(c.getPath());
        long cmp;
        switch (c.getTargetCase()) {
            case EXISTS -> cmp = (n != null) == c.getExists() ? 0 : 1;
            case VERSION -> cmp = Long.compare(n == null ? 0 : n.version(), c.getVersion());
            case MOD_REVISION -> cmp = Long.compare(n == null ? 0 : n.modRevision(), c.getModRevision());
            case CREATE_REVISION -> cmp = Long.compare(n == null ? 0 : n.createRevision(), c.getCreateRevision());
            case VALUE -> {
                if (n == null) {
                    return false;
                }
                cmp = java.util.Arrays.compareUnsigned(n.data().toByteArray(), c.getValue().toByteArray());
            }
            default -> throw new AssertionError(c);
        }
        return switch (c.getOp()) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case LESS -> cmp < 0;
            case GREATER -> cmp > 0;
            default -> throw new AssertionError(c);
        };
    }

    private static Failure versionCheck(Node cur, boolean has, long expected) {
        long actual = cur == null ? 0 : cur.version();
        if (!has || expected == -1 || expected == actual) {
            return null;
        }
        return new Failure(ErrorCode.VERSION_MISMATCH, "mismatch", actual, -1);
    }

    private static Failure parents(TreeMap<String, Node> t, String path, boolean make, long rev) {
        List<String> missing = new ArrayList<>();
        for (String p = parent(path); !t.containsKey(p); p = parent(p)) {
            missing.add(0, p);
        }
        if (!missing.isEmpty() && !make) {
            return Failure.of(ErrorCode.PARENT_NOT_FOUND, path);
        }
        missing.forEach(p -> add(t, p, ByteString.EMPTY, rev));
        return null;
    }

    private static void add(TreeMap<String, Node> t, String path, ByteString data, long rev) {
        t.put(path, new Node(1, rev, rev, rev, data));
        touchChildren(t, parent(path), rev);
    }

    private static void touchChildren(TreeMap<String, Node> t, String path, long rev) {
        Node n = t.get(path);
        t.put(path, new Node(n.version(), n.createRevision(), n.modRevision(), rev, n.data()));
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    private static List<String> children(TreeMap<String, Node> t, String path) {
        List<String> names = new ArrayList<>();
        for (String p : t.keySet()) {
            if (!p.equals("/") && parent(p).equals(path)) {
                names.add(p.substring(p.lastIndexOf('/') + 1));
            }
        }
        names.sort(null);
        return names;
    }

    private static Stat stat(TreeMap<String, Node> t, String path) {
        Node n = t.get(path);
        return Stat.newBuilder().setVersion(n.version()).setCreateRevision(n.createRevision())
                .setModRevision(n.modRevision()).setNumChildren(children(t, path).size())
                .setDataLength(n.data().size()).setChildrenRevision(n.childrenRevision()).build();
    }
}
