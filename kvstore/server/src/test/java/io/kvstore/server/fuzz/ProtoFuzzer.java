package io.kvstore.server.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Random;

/**
 * Seeded generators of hostile protobuf input: structure-aware messages built from a message's descriptor (every
 * field type, with values at the edges: empty, huge, negative, odd paths), mutations of valid messages, and raw
 * byte mutations (bit flips, truncation, splices, varint bombs). Deterministic for a given {@link Random}.
 */
final class ProtoFuzzer {

    /** Paths that stress the path rules; none is a key the fuzz tests read back. */
    private static final List<String> PATHS = List.of("", "/", "//", "/a", "/a/", "/a//b", "/.", "/..", "/a/./b",
            "/a/../b", "a", "/\u0000", "/a\u0000b", "/\uFFFF", "/ü/ß", "/" + "x".repeat(5000), "/" + "a/".repeat(70),
            "/zookeeper", "/fuzz", "/fuzz/child", "/\t", "/ ", "/a b", "\\", "/%2e%2e");
    private static final long[] LONGS = {0, 1, -1, 2, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, 999, 1001, 3_600_000, 3_600_001, 30L * 24 * 3_600_000 + 1};
    private static final int DEPTH_MAX = 4;
    private static final int REPEATED_MAX = 140; // above the txn op limit (128)

    private ProtoFuzzer() {
    }

    /** A message of {@code prototype}'s type with random fields set. */
    static Message arbitrary(Message prototype, Random random) {
        return arbitrary(prototype.newBuilderForType(), random, 0);
    }

    private static Message arbitrary(Message.Builder builder, Random random, int depth) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            if (random.nextInt(3) == 0) {
                continue; // leave some fields unset
            }
            if (field.isRepeated()) {
                int n = random.nextInt(8) == 0 ? random.nextInt(REPEATED_MAX) : random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    Object value = value(builder, field, random, depth);
                    if (value != null) {
                        builder.addRepeatedField(field, value);
                    }
                }
            } else {
                Object value = value(builder, field, random, depth);
                if (value != null) {
                    builder.setField(field, value);
                }
            }
        }
        return builder.build();
    }

    private static Object value(Message.Builder parent, FieldDescriptor field, Random random, int depth) {
        return switch (field.getJavaType()) {
            case INT -> (int) LONGS[random.nextInt(LONGS.length)] + (random.nextBoolean() ? 0 : random.nextInt());
            case LONG -> random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
            case FLOAT -> random.nextFloat();
            case DOUBLE -> random.nextDouble();
            case BOOLEAN -> random.nextBoolean();
            case STRING -> string(field, random);
            case BYTE_STRING -> bytes(random);
            case ENUM -> {
                List<EnumValueDescriptor> values = field.getEnumType().getValues();
                yield values.get(random.nextInt(values.size()));
            }
            case MESSAGE -> depth >= DEPTH_MAX ? null
                    : arbitrary(parent.newBuilderForField(field), random, depth + 1);
        };
    }

    private static String string(FieldDescriptor field, Random random) {
        if (field.getName().contains("path") || random.nextInt(4) == 0) {
            String path = PATHS.get(random.nextInt(PATHS.size()));
            return random.nextInt(3) == 0 ? path + "/" + randomText(random, 12) : path;
        }
        return randomText(random, random.nextInt(10) == 0 ? 300 : 12);
    }

    private static String randomText(Random random, int lengthMax) {
        int length = random.nextInt(lengthMax + 1);
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(random.nextInt(5) == 0 ? (char) random.nextInt(0x3000) : (char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    private static ByteString bytes(Random random) {
        int length = switch (random.nextInt(10)) {
            case 0 -> (1 << 20) + random.nextInt(2); // the value limit and one past it
            case 1 -> random.nextInt(70_000);
            default -> random.nextInt(64);
        };
        byte[] b = new byte[length];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** {@code valid} with one to three fields replaced by arbitrary values (recursively into set messages). */
    static Message mutate(Message valid, Random random) {
        Message.Builder builder = valid.toBuilder();
        List<FieldDescriptor> fields = builder.getDescriptorForType().getFields();
        if (fields.isEmpty()) {
            return valid; // nothing to mutate (e.g. an empty request); byte mutations still cover it
        }
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            FieldDescriptor field = fields.get(random.nextInt(fields.size()));
            if (field.isRepeated()) {
                if (random.nextBoolean() || builder.getRepeatedFieldCount(field) == 0) {
                    Object value = value(builder, field, random, 1);
                    if (value != null) {
                        builder.addRepeatedField(field, value);
                    }
                } else {
                    builder.clearField(field);
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && builder.hasField(field)
                    && random.nextBoolean()) {
                builder.setField(field, mutate((Message) builder.getField(field), random));
            } else {
                Object value = value(builder, field, random, 1);
                if (value == null) {
                    builder.clearField(field);
                } else {
                    builder.setField(field, value);
                }
            }
        }
        return builder.build();
    }

    /** Random bytes, sometimes shaped like protobuf (tags, huge varint lengths, deep nesting). */
    static byte[] randomBytes(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> {
                byte[] b = new byte[random.nextInt(256)];
                random.nextBytes(b);
                yield b;
            }
            case 1 -> new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 1, 2}; // 4 GB length
            case 2 -> nested(random.nextInt(200)); // deep nesting of field 1
            default -> {
                byte[] b = new byte[random.nextInt(64)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) (random.nextBoolean() ? 0x80 | random.nextInt(128) : random.nextInt(256));
                }
                yield b;
            }
        };
    }

    private static byte[] nested(int depth) {
        byte[] inner = new byte[0];
        for (int i = 0; i < depth && inner.length < 120; i++) {
            byte[] outer = new byte[inner.length + 2];
            outer[0] = 0x1a; // field 3, length-delimited
            outer[1] = (byte) inner.length;
            System.arraycopy(inner, 0, outer, 2, inner.length);
            inner = outer;
        }
        return inner;
    }

    /** {@code bytes} with flipped bits, a truncation, a duplicated slice or inserted garbage. */
    static byte[] mutateBytes(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return randomBytes(random);
        }
        byte[] b = bytes.clone();
        return switch (random.nextInt(4)) {
            case 0 -> {
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case 1 -> java.util.Arrays.copyOf(b, random.nextInt(b.length));
            case 2 -> {
                int from = random.nextInt(b.length);
                int to = from + random.nextInt(b.length - from + 1);
                byte[] out = new byte[b.length + (to - from)];
                System.arraycopy(b, 0, out, 0, to);
                System.arraycopy(b, from, out, to, b.length - from);
                yield out;
            }
            default -> {
                byte[] garbage = randomBytes(random);
                int at = random.nextInt(b.length + 1);
                byte[] out = new byte[b.length + garbage.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(garbage, 0, out, at, garbage.length);
                System.arraycopy(b, at, out, at + garbage.length, b.length - at);
                yield out;
            }
        };
    }
}
