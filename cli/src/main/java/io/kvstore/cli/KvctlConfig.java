package io.kvstore.cli;

import io.kvstore.server.config.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * kvctl's defaults from the environment and the config file, for picocli: precedence is flag, then environment
 * ({@code KVCTL_ENDPOINTS}, {@code KVCTL_TIMEOUT}, {@code KVCTL_OUTPUT}), then the file ({@code $KVCTL_CONFIG}, else
 * {@code ~/.config/kvctl/config.yaml}, keys {@code endpoints}, {@code timeout}, {@code output}), then each option's
 * built-in default. The file is flat YAML ({@code key: value} lines, as kvserver's --config); a missing default
 * file is fine, a missing {@code $KVCTL_CONFIG} file or an unknown key is a usage error. {@code output} applies only
 * to commands whose -o accepts that value, so {@code output: json} leaves export's and bench's own choices alone
 * where json is not one of theirs.
 */
final class KvctlConfig implements IDefaultValueProvider {
    static final String CONFIG_ENV = "KVCTL_CONFIG";
    static final Set<String> KEYS = Set.of("endpoints", "timeout", "output");

    private final Map<String, String> env;
    private final Map<String, String> file;

    KvctlConfig(Map<String, String> env) {
        this.env = env;
        this.file = load(env);
    }

    /** The config file's keys; empty without a file. @throws IllegalArgumentException for a bad file */
    static Map<String, String> load(Map<String, String> env) {
        String explicit = env.get(CONFIG_ENV);
        Path path;
        if (explicit != null && !explicit.isBlank()) {
            path = Path.of(explicit);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("$" + CONFIG_ENV + ": no such file: " + path);
            }
        } else {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            path = Path.of(home, ".config", "kvctl", "config.yaml");
            if (!Files.isRegularFile(path)) {
                return Map.of();
            }
        }
        return ConfigFile.read(path, KEYS);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String key = switch (option.longestName()) {
            case "--endpoints" -> "endpoints";
            case "--timeout" -> "timeout";
            case "--output" -> "output";
            default -> null;
        };
        if (key == null) {
            return null;
        }
        String value = env.get("KVCTL_" + key.toUpperCase(java.util.Locale.ROOT));
        if (value == null || value.isBlank()) {
            value = file.get(key);
        }
        if (value == null || (key.equals("output") && !accepts(option, value))) {
            return null;
        }
        return value;
    }

    private static boolean accepts(OptionSpec option, String value) {
        Class<?> type = option.type();
        return type.isEnum() && Arrays.stream(type.getEnumConstants()).anyMatch(c -> c.toString().equals(value));
    }
}
