package io.kvstore.server.kv;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.kvstore.api.v1.CreateResponse;
import io.kvstore.api.v1.DeleteResponse;
import io.kvstore.api.v1.PutResponse;
import io.kvstore.api.v1.ResponseHeader;
import io.kvstore.api.v1.TxnResponse;
import io.kvstore.raft.core.RaftStatus;
import io.kvstore.server.member.MemberIds;

/** Builds the {@link ResponseHeader} every kvstore.v1 response carries. Stateless and thread-safe. */
public final class ResponseHeaders {

    private ResponseHeaders() {
    }

    /** The header for a response reflecting {@code revision}, answered by {@code self} in raft state {@code status}. */
    public static ResponseHeader of(String self, RaftStatus status, long revision, boolean serializable) {
        return ResponseHeader.newBuilder().setRevision(revision).setMemberId(MemberIds.numeric(self))
                .setLeaderId(MemberIds.numeric(status.leaderId())).setRaftTerm(status.term())
                .setSerializable(serializable).build();
    }

    /**
     * {@code response} (a kvstore.v1 response message, which all have field 1 {@code header}) with {@code header}.
     */
    @SuppressWarnings("unchecked")
    public static <R extends Message> R withHeader(Message response, ResponseHeader header) {
        // The write responses directly: every acknowledged write passes here, and the reflective path below costs
        // a descriptor lookup and a reflective builder per call.
        if (response instanceof PutResponse put) {
            return (R) put.toBuilder().setHeader(header).build();
        } else if (response instanceof CreateResponse create) {
            return (R) create.toBuilder().setHeader(header).build();
        } else if (response instanceof DeleteResponse delete) {
            return (R) delete.toBuilder().setHeader(header).build();
        } else if (response instanceof TxnResponse txn) {
            return (R) txn.toBuilder().setHeader(header).build();
        }
        FieldDescriptor field = response.getDescriptorForType().findFieldByName("header");
        if (field == null) {
            throw new IllegalArgumentException(response.getDescriptorForType().getFullName() + " has no header");
        }
        return (R) response.toBuilder().setField(field, header).build();
    }
}
