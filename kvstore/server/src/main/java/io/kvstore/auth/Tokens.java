package io.kvstore.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.ErrorCode;
import io.kvstore.store.Failure;
import io.kvstore.store.command.AuthToken;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tokens: {@code base64url(AuthToken) "." base64url(HMAC-SHA256(secret, AuthToken bytes))}. The secret is
 * chosen when auth is first enabled and replicated through the log, so a token minted by any member is verified by
 * every member without asking anyone. A token names its subject, kind, expiry and the auth revision it was minted at;
 * {@link #check} rejects it after the expiry, when the user's password changed or the user was deleted after that
 * revision, and when auth was disabled and re-enabled since. Stateless and thread-safe.
 */
public final class Tokens {

    /** Longer text is not even decoded. */
    static final int TOKEN_CHARS_MAX = 1024;

    private Tokens() {
    }

    /** The signed text of {@code token}. */
    public static String mint(ByteString secret, AuthToken token) {
        byte[] payload = token.toByteArray();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(payload) + "." + b64.encodeToString(mac(secret, payload));
    }

    /** A checked token: exactly one of the two is set. */
    public record Checked(AuthToken token, Failure failure) {
        static Checked valid(AuthToken token) {
            return new Checked(token, null);
        }

        static Checked failed(Failure failure) {
            return new Checked(null, failure);
        }
    }

    /**
     * The token in {@code text} if it is well formed, signed with {@code state}'s secret, not expired at
     * {@code nowMillis} and not invalidated; else a Failure: TOKEN_EXPIRED or TOKEN_INVALID.
     */
    public static Checked check(AuthState state, String text, long nowMillis) {
        if (state.secret().isEmpty() || text.length() > TOKEN_CHARS_MAX) {
            return Checked.failed(invalid());
        }
        int dot = text.indexOf('.');
        if (dot <= 0) {
            return Checked.failed(invalid());
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = Base64.getUrlDecoder().decode(text.substring(0, dot));
            signature = Base64.getUrlDecoder().decode(text.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Checked.failed(invalid());
        }
        if (!MessageDigest.isEqual(mac(state.secret(), payload), signature)) {
            return Checked.failed(invalid());
        }
        AuthToken token;
        try {
            token = AuthToken.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            return Checked.failed(invalid());
        }
        if (token.getExpiresAtMillis() <= nowMillis) {
            return Checked.failed(Failure.of(ErrorCode.TOKEN_EXPIRED, "the token expired: authenticate again"));
        }
        if (token.getAuthRevision() < state.record().getEnabledRevision()) {
            return Checked.failed(invalid());
        }
        if (token.getKind() == AuthToken.Kind.USER) {
            var user = state.user(token.getSubject());
            if (user.isEmpty() || token.getAuthRevision() < user.get().getCredentialRevision()) {
                return Checked.failed(invalid());
            }
        } else if (token.getKind() != AuthToken.Kind.MEMBER) {
            return Checked.failed(invalid());
        }
        return Checked.valid(token);
    }

    private static Failure invalid() {
        // One message for every cause: telling them apart would help someone probing for user names.
        return Failure.of(ErrorCode.TOKEN_INVALID, "the token is not valid (any more): authenticate again");
    }

    private static byte[] mac(ByteString secret, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.toByteArray(), "HmacSHA256"));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
