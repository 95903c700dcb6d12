package io.kvstore.cli;

import io.kvstore.client.Compare;
import io.kvstore.client.CompareOp;
import io.kvstore.client.CreateOptions;
import io.kvstore.client.DeleteOptions;
import io.kvstore.client.PutOptions;
import io.kvstore.client.Txn;
import io.kvstore.client.TxnOp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses kvctl's txn text format into a {@link Txn}; the format is documented in {@link TxnCommand}'s help. One
 * statement per line, words separated by spaces, values optionally double-quoted with backslash escapes.
 */
final class TxnScript {
    /** A line that does not parse; the message names the line. */
    static final class SyntaxException extends Exception {
        SyntaxException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private static final Map<String, CompareOp> OPS = Map.of("=", CompareOp.EQUAL, "==", CompareOp.EQUAL,
            "!=", CompareOp.NOT_EQUAL, "<", CompareOp.LESS, ">", CompareOp.GREATER);

    private TxnScript() {
    }

    static Txn parse(String text) throws SyntaxException {
        Txn.Builder txn = Txn.builder();
        String[] lines = text.split("\r?\n", -1);
        int statements = 0;
        for (int i = 0; i < lines.length; i++) {
            int line = i + 1;
            List<String> words = words(lines[i], line);
            if (words.isEmpty()) {
                continue;
            }
            statements++;
            switch (words.get(0)) {
                case "compare" -> txn.when(compare(words, line));
                case "success" -> txn.then(op(words, line));
                case "failure" -> txn.otherwise(op(words, line));
                default -> throw new SyntaxException(line, "expected compare, success or failure, got '"
                        + words.get(0) + "'");
            }
        }
        if (statements == 0) {
            throw new SyntaxException(1, "empty txn: no compare, success or failure lines");
        }
        return txn.build();
    }

    private static Compare compare(List<String> w, int line) throws SyntaxException {
        if (w.size() != 5) {
            throw new SyntaxException(line, "expected 'compare TARGET PATH OP OPERAND', e.g. 'compare version /a = 3'");
        }
        String target = w.get(1);
        String path = w.get(2);
        CompareOp op = OPS.get(w.get(3));
        if (op == null) {
            throw new SyntaxException(line, "unknown operator '" + w.get(3) + "' (use = != < >)");
        }
        String operand = w.get(4);
        return switch (target) {
            case "exists" -> {
                if (!operand.equals("true") && !operand.equals("false")) {
                    throw new SyntaxException(line, "exists compares with true or false, got '" + operand + "'");
                }
                if (op != CompareOp.EQUAL && op != CompareOp.NOT_EQUAL) {
                    throw new SyntaxException(line, "exists takes = or != only");
                }
                boolean exists = operand.equals("true") == (op == CompareOp.EQUAL);
                yield exists ? Compare.exists(path) : Compare.notExists(path);
            }
            case "version" -> Compare.version(path, op, number(operand, line));
            case "mod_revision" -> Compare.modRevision(path, op, number(operand, line));
            case "create_revision" -> Compare.createRevision(path, op, number(operand, line));
            case "value" -> Compare.value(path, op, operand.getBytes(StandardCharsets.UTF_8));
            default -> throw new SyntaxException(line, "unknown compare target '" + target
                    + "' (use exists, version, mod_revision, create_revision or value)");
        };
    }

    private static TxnOp op(List<String> w, int line) throws SyntaxException {
        if (w.size() < 3) {
            throw new SyntaxException(line, "expected '" + w.get(0) + " OP PATH ...', e.g. '" + w.get(0)
                    + " put /a v2'");
        }
        String path = w.get(2);
        List<String> rest = w.subList(3, w.size());
        return switch (w.get(1)) {
            case "get" -> {
                flags(rest, line);
                yield TxnOp.get(path);
            }
            case "put" -> {
                byte[] value = value(rest, line, "put");
                Flags f = flags(rest.subList(1, rest.size()), line);
                PutOptions options = f.ifVersion == null ? PutOptions.DEFAULT : PutOptions.ifVersion(f.ifVersion);
                yield TxnOp.put(path, value, f.parents ? options.withMakeParents() : options);
            }
            case "create" -> {
                byte[] value = value(rest, line, "create");
                Flags f = flags(rest.subList(1, rest.size()), line);
                yield TxnOp.create(path, value, f.parents ? CreateOptions.MAKE_PARENTS : CreateOptions.DEFAULT);
            }
            case "delete" -> {
                Flags f = flags(rest, line);
                DeleteOptions options = f.ifVersion == null ? DeleteOptions.DEFAULT
                        : DeleteOptions.ifVersion(f.ifVersion);
                yield TxnOp.delete(path, f.recursive ? options.withRecursive() : options);
            }
            default -> throw new SyntaxException(line, "unknown operation '" + w.get(1)
                    + "' (use get, put, create or delete)");
        };
    }

    private static byte[] value(List<String> rest, int line, String op) throws SyntaxException {
        if (rest.isEmpty()) {
            throw new SyntaxException(line, op + " needs a value after the path (\"\" for empty)");
        }
        return rest.get(0).getBytes(StandardCharsets.UTF_8);
    }

    private record Flags(Long ifVersion, boolean parents, boolean recursive) {
    }

    /** Trailing words: {@code if-version=N}, {@code parents}, {@code recursive}. */
    private static Flags flags(List<String> words, int line) throws SyntaxException {
        Long ifVersion = null;
        boolean parents = false;
        boolean recursive = false;
        for (String word : words) {
            if (word.startsWith("if-version=")) {
                ifVersion = number(word.substring("if-version=".length()), line);
                if (ifVersion < 0) {
                    throw new SyntaxException(line, "if-version must be >= 0");
                }
            } else if (word.equals("parents")) {
                parents = true;
            } else if (word.equals("recursive")) {
                recursive = true;
            } else {
                throw new SyntaxException(line, "unexpected '" + word
                        + "' (options are if-version=N, parents, recursive; quote values with spaces)");
            }
        }
        return new Flags(ifVersion, parents, recursive);
    }

    private static long number(String word, int line) throws SyntaxException {
        try {
            return Long.parseLong(word);
        } catch (NumberFormatException e) {
            throw new SyntaxException(line, "expected a number, got '" + word + "'");
        }
    }

    /** Splits a line into words; "..." quotes with \" \\ \n \t escapes; # starts a comment outside quotes. */
    static List<String> words(String line, int lineNumber) throws SyntaxException {
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                break;
            } else if (c == '"') {
                StringBuilder word = new StringBuilder();
                i++;
                while (true) {
                    if (i >= line.length()) {
                        throw new SyntaxException(lineNumber, "unterminated quote");
                    }
                    char q = line.charAt(i++);
                    if (q == '"') {
                        break;
                    }
                    if (q == '\\') {
                        if (i >= line.length()) {
                            throw new SyntaxException(lineNumber, "unterminated quote");
                        }
                        char e = line.charAt(i++);
                        word.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case '"', '\\' -> e;
                            default -> throw new SyntaxException(lineNumber, "unknown escape \\" + e);
                        });
                    } else {
                        word.append(q);
                    }
                }
                words.add(word.toString());
            } else {
                int start = i;
                while (i < line.length() && !Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                words.add(line.substring(start, i));
            }
        }
        return words;
    }
}
