package io.kvstore.auth;

import io.kvstore.api.v1.PathGrant;
import io.kvstore.api.v1.Permission;
import io.kvstore.store.ZPath;
import java.util.Optional;

/**
 * The matching rules of a grant's path prefix, in one place (docs/security.md, "Authorization"):
 * <ul>
 *   <li>{@code "/"} covers every znode;</li>
 *   <li>a prefix ending in {@code '/'} ({@code "/app/a/"}) covers the znode {@code /app/a} itself and every znode
 *       below it ({@code /app/a/x/y}), but not {@code /app/ab}: matching is by whole path segments;</li>
 *   <li>a prefix without a trailing {@code '/'} ({@code "/app/a"}) covers exactly the znode {@code /app/a}: not
 *       {@code /app/ab}, not {@code /app/a/x}.</li>
 * </ul>
 * Permissions are levels: {@code ADMIN} includes {@code WRITE} includes {@code READ}. Pure and thread-safe.
 */
public final class PathGrants {

    private PathGrants() {
    }

    /** Why {@code prefix} is not a valid grant prefix, if it is not: "/" or a valid znode path, optionally + "/". */
    public static Optional<String> checkPrefix(String prefix) {
        if (prefix.equals("/")) {
            return Optional.empty();
        }
        String path = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        Optional<ZPath.Violation> violation = path.equals("/") ? Optional.of(ZPath.Violation.EMPTY_SEGMENT)
                : ZPath.check(path);
        return violation.map(v -> "path prefix '" + prefix + "': " + v.rule()
                + " (a prefix is a znode path, optionally followed by '/')");
    }

    /** Whether a grant on {@code prefix} covers the znode {@code path} (a valid path). */
    public static boolean covers(String prefix, String path) {
        if (prefix.endsWith("/")) {
            return prefix.equals("/") || path.startsWith(prefix)
                    || path.length() == prefix.length() - 1 && prefix.startsWith(path);
        }
        return path.equals(prefix);
    }

    /** Whether a grant on {@code prefix} covers {@code path} and every znode that could ever exist below it. */
    public static boolean coversSubtree(String prefix, String path) {
        return prefix.endsWith("/") && subtreeKey(path).startsWith(prefix);
    }

    /** Whether a grant on {@code prefix} covers {@code path} or some znode below it. */
    public static boolean overlaps(String prefix, String path) {
        return covers(prefix, path) || prefix.startsWith(subtreeKey(path));
    }

    /** Whether {@code grant} allows {@code needed} on znode {@code path}. */
    public static boolean allows(PathGrant grant, Permission needed, String path) {
        return atLeast(grant.getPermission(), needed) && covers(grant.getPathPrefix(), path);
    }

    /** Whether {@code held} includes {@code needed}. */
    public static boolean atLeast(Permission held, Permission needed) {
        if (held == Permission.UNRECOGNIZED || needed == Permission.UNRECOGNIZED
                || needed == Permission.PERMISSION_UNSPECIFIED) {
            return false;
        }
        return held.getNumber() >= needed.getNumber();
    }

    private static String subtreeKey(String path) {
        return path.equals("/") ? "/" : path + "/";
    }
}
