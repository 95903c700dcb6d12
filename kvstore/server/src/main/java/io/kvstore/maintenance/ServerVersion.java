package io.kvstore.maintenance;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The kvstore release this code was built as (Maven's project version, written into a resource at build time). */
public final class ServerVersion {
    private static final String VERSION = load();

    private ServerVersion() {
    }

    /** For example {@code 0.1.0-SNAPSHOT}; {@code unknown} when the resource is missing (an IDE build). */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = ServerVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
