package io.kvstore.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.store.command.ListPageToken;
import java.util.Base64;

/** Encodes List page tokens: a {@link ListPageToken} in unpadded base64url. Opaque to clients. Thread-safe. */
final class PageTokens {

    private PageTokens() {
    }

    static String encode(ZPath path, long revision, String after) {
        ListPageToken token = ListPageToken.newBuilder().setPath(path.value()).setRevision(revision).setAfter(after)
                .build();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toByteArray());
    }

    /** The decoded token, or {@code null} when it is not one of ours. */
    static ListPageToken decode(String token) {
        try {
            ListPageToken decoded = ListPageToken.parseFrom(Base64.getUrlDecoder().decode(token));
            return decoded.getAfter().isEmpty() ? null : decoded;
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            return null;
        }
    }
}
