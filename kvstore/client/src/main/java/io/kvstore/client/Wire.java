package io.kvstore.client;

import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.GetResponse;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.Stat;
import io.kvstore.api.v1.TxnRequest;
import io.kvstore.api.v1.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Conversions between the kvstore.v1 messages and the client's values. Stateless. */
final class Wire {
    private Wire() {
    }

    static ZnodeStat stat(Stat s) {
        return new ZnodeStat(s.getVersion(), s.getCreateRevision(), s.getModRevision(), s.getNumChildren(),
                s.getDataLength(), s.getChildrenRevision(), s.getEphemeralSessionId());
    }

    static Znode znode(String path, GetResponse r) {
        return new Znode(path, r.getValue().toByteArray(), stat(r.getStat()), r.getHeader().getRevision());
    }

    static PutResult put(PutResponse r) {
        return new PutResult(stat(r.getStat()), r.getCreated(), r.getHeader().getRevision());
    }

    static CreateResult create(CreateResponse r) {
        return new CreateResult(r.getPath(), stat(r.getStat()), r.getHeader().getRevision());
    }

    static TxnRequest.Builder txn(Txn txn) {
        TxnRequest.Builder b = TxnRequest.newBuilder();
        txn.compares().forEach(c -> b.addCompare(c.toProto()));
        txn.success().forEach(op -> b.addSuccess(op.toProto()));
        txn.failure().forEach(op -> b.addFailure(op.toProto()));
        return b;
    }

    /** The results, paired with the branch that ran (a get's result carries no path, its op does). */
    static TxnResult txn(Txn txn, TxnResponse r) {
        List<TxnOp> branch = r.getSucceeded() ? txn.success() : txn.failure();
        long revision = r.getHeader().getRevision();
        List<TxnOpResult> results = new ArrayList<>(r.getResultsCount());
        for (int i = 0; i < r.getResultsCount(); i++) {
            io.kvstore.api.v1.TxnOpResult result = r.getResults(i);
            String path = i < branch.size() ? branch.get(i).path() : "";
            results.add(switch (result.getResultCase()) {
                case CREATE -> new TxnOpResult.Created(result.getCreate().getPath(),
                        stat(result.getCreate().getStat()));
                case PUT -> new TxnOpResult.Put(stat(result.getPut().getStat()), result.getPut().getCreated());
                case DELETE -> new TxnOpResult.Deleted(result.getDelete().getDeleted());
                case GET -> new TxnOpResult.Got(result.getGet().hasStat()
                        ? Optional.of(new Znode(path, result.getGet().getValue().toByteArray(),
                                stat(result.getGet().getStat()), revision))
                        : Optional.empty());
                case RESULT_NOT_SET -> throw new KvException(
                        "txn result " + i + " is empty: a server bug", null, i, null);
            });
        }
        return new TxnResult(r.getSucceeded(), results, revision);
    }
}
