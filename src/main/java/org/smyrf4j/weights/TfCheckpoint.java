package org.smyrf4j.weights;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * A TensorFlow checkpoint (tensor bundle V2) read without TensorFlow: {@code PREFIX.index} and
 * {@code PREFIX.data-0000S-of-0000N}, e.g. a SavedModel's {@code variables/variables}.
 *
 * <p>The index is a LevelDB-style table (SSTable). From its end:
 * <pre>
 *   footer (48 bytes): metaindex handle, index handle (each varint64 offset, varint64 size),
 *                      zero padding, magic 0xdb4775248b80fb57 (little endian, last 8 bytes)
 *   block:             entries, then uint32 restart offsets, then uint32 restart count;
 *                      followed by a 5-byte trailer (compression type, crc32c)
 *   entry:             varint32 shared, varint32 unshared, varint32 value length,
 *                      key[shared..] (prefix-compressed against the previous key), value
 * </pre>
 * The index block maps keys to data-block handles; the data blocks map each tensor name to a
 * BundleEntryProto (the empty key holds the BundleHeaderProto):
 * {@code 1 dtype (enum), 2 shape (TensorShapeProto: 2 dim {1 size}), 3 shard_id, 4 offset,
 * 5 size, 6 crc32c (fixed32), 7 slices}. Tensor bytes are raw little-endian at
 * {@code offset} in data shard {@code shard_id}. Float32, float16 and bfloat16 tensors read as
 * float32; blocks must be uncompressed (TensorFlow writes them so).
 */
public final class TfCheckpoint implements TensorSource {

    /** The SSTable magic number, little endian in the footer's last 8 bytes. */
    static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    static final int FOOTER_BYTES = 48;
    static final int BLOCK_TRAILER_BYTES = 5;

    /** TensorFlow DataType enum values that read as float32. */
    static final int DT_FLOAT = 1;
    static final int DT_BFLOAT16 = 14;
    static final int DT_HALF = 19;

    /** Where one tensor lives. */
    record Entry(String name, int dtype, int[] shape, int shard, long offset, long size) {
        long elements() {
            long n = 1;
            for (int s : shape) {
                n *= s;
            }
            return n;
        }
    }

    private final Path prefix;
    private final Map<String, Entry> entries;
    private final int shards;

    private TfCheckpoint(Path prefix, Map<String, Entry> entries, int shards) {
        this.prefix = prefix;
        this.entries = entries;
        this.shards = shards;
    }

    /**
     * Opens the checkpoint at {@code path}: the prefix ({@code .../variables/variables}), its
     * {@code .index} file, or a SavedModel folder (with {@code variables/variables.index}).
     *
     * @throws IllegalArgumentException when no index is there or it is not a tensor bundle
     */
    public static TfCheckpoint open(Path path) {
        Path prefix = prefixOf(path);
        Path index = Path.of(prefix + ".index");
        byte[] table;
        try {
            table = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
        }
        Map<String, Entry> entries = new TreeMap<>();
        int shards = 1;
        try {
            for (KeyValue kv : readTable(table, index)) {
                if (kv.key().isEmpty()) {
                    shards = headerShards(kv.value());
                } else {
                    Entry e = parseEntry(kv.key(), kv.value());
                    entries.put(e.name(), e);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(index + " is not a TensorFlow tensor bundle index: " + e.getMessage(), e);
        }
        return new TfCheckpoint(prefix, Collections.unmodifiableMap(entries), shards);
    }

    /** Whether {@code path} looks like a checkpoint {@link #open} accepts. */
    public static boolean looksLikeCheckpoint(Path path) {
        return Files.isRegularFile(Path.of(prefixOf(path) + ".index"));
    }

    private static Path prefixOf(Path path) {
        if (Files.isDirectory(path)) {
            return path.resolve("variables").resolve("variables");
        }
        String text = path.toString();
        return text.endsWith(".index") ? Path.of(text.substring(0, text.length() - ".index".length())) : path;
    }

    @Override
    public Path location() {
        return prefix;
    }

    @Override
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(entries.keySet()));
    }

    /** Where a tensor lives (dtype, shape, shard, offset, size), or null. */
    Entry entry(String name) {
        return entries.get(name);
    }

    @Override
    public FloatTensor read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw CloseNames.missing(name, prefix, entries.keySet());
        }
        int width = switch (e.dtype()) {
            case DT_FLOAT -> 4;
            case DT_HALF, DT_BFLOAT16 -> 2;
            default -> throw new IllegalArgumentException("tensor '" + name + "' in " + prefix + " has TensorFlow dtype "
                    + e.dtype() + ", which cannot be read as float32; supported: 1 (float), 19 (half), 14 (bfloat16)");
        };
        long elements = e.elements();
        if (elements > Integer.MAX_VALUE - 8 || elements * width != e.size()) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + prefix + ": shape "
                    + java.util.Arrays.toString(e.shape()) + " does not fit its " + e.size() + " bytes");
        }
        Path data = Path.of(String.format("%s.data-%05d-of-%05d", prefix, e.shard(), shards));
        float[] values = new float[(int) elements];
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            ByteBuffer bytes = ByteBuffer.allocate((int) e.size()).order(ByteOrder.LITTLE_ENDIAN);
            long at = e.offset();
            while (bytes.hasRemaining()) {
                int n = channel.read(bytes, at);
                if (n < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': " + data + " ends before byte "
                            + (e.offset() + e.size()));
                }
                at += n;
            }
            bytes.flip();
            switch (e.dtype()) {
                case DT_FLOAT -> bytes.asFloatBuffer().get(values);
                case DT_HALF -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = HalfFloats.f16ToFloat(bytes.getShort(2 * i));
                    }
                }
                default -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = HalfFloats.bf16ToFloat(bytes.getShort(2 * i));
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + data + ": " + ex.getMessage(), ex);
        }
        return new FloatTensor(values, e.shape().clone());
    }

    @Override
    public String toString() {
        return "TfCheckpoint(" + prefix + ", " + entries.size() + " tensors)";
    }

    // ------------------------------------------------------------------ SSTable

    record KeyValue(String key, byte[] value) {
    }

    /** Every key/value of the table, in key order. */
    static List<KeyValue> readTable(byte[] table, Path where) throws IOException {
        if (table.length < FOOTER_BYTES) {
            throw new IOException("shorter than the " + FOOTER_BYTES + "-byte footer (" + table.length + " bytes)");
        }
        ByteBuffer le = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        long magic = le.getLong(table.length - 8);
        if (magic != TABLE_MAGIC) {
            throw new IOException(String.format("bad magic 0x%016x (expected 0x%016x)", magic, TABLE_MAGIC));
        }
        CodedInputStream footer = CodedInputStream.newInstance(table, table.length - FOOTER_BYTES, FOOTER_BYTES);
        footer.readRawVarint64(); // metaindex offset: unused (no filters in a tensor bundle)
        footer.readRawVarint64();
        long indexOffset = footer.readRawVarint64();
        long indexSize = footer.readRawVarint64();
        List<KeyValue> out = new ArrayList<>();
        for (KeyValue handle : readBlock(table, indexOffset, indexSize)) {
            CodedInputStream h = CodedInputStream.newInstance(handle.value());
            long offset = h.readRawVarint64();
            long size = h.readRawVarint64();
            out.addAll(readBlock(table, offset, size));
        }
        return out;
    }

    /** The entries of the block at [offset, offset+size) (trailer after it). */
    private static List<KeyValue> readBlock(byte[] table, long offset, long size) throws IOException {
        if (offset < 0 || size < 4 || offset + size + BLOCK_TRAILER_BYTES > table.length) {
            throw new IOException("block handle (" + offset + ", " + size + ") outside the " + table.length
                    + "-byte table");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        if (table[end] != 0) {
            throw new IOException("block at " + offset + " is compressed (type " + table[end] + "), unsupported");
        }
        ByteBuffer le = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        int restarts = le.getInt(end - 4);
        int entriesEnd = end - 4 - 4 * restarts;
        if (restarts < 0 || entriesEnd < start) {
            throw new IOException("block at " + offset + " has " + restarts + " restarts, too many for its size");
        }
        List<KeyValue> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(table, start, entriesEnd - start);
        byte[] key = new byte[0];
        while (!in.isAtEnd()) {
            int shared = in.readRawVarint32();
            int unshared = in.readRawVarint32();
            int valueLength = in.readRawVarint32();
            if (shared > key.length) {
                throw new IOException("entry shares " + shared + " key bytes with a " + key.length + "-byte key");
            }
            byte[] next = new byte[shared + unshared];
            System.arraycopy(key, 0, next, 0, shared);
            System.arraycopy(in.readRawBytes(unshared), 0, next, shared, unshared);
            key = next;
            out.add(new KeyValue(new String(key, java.nio.charset.StandardCharsets.UTF_8), in.readRawBytes(valueLength)));
        }
        return out;
    }

    // ------------------------------------------------------------------ protos

    /** BundleHeaderProto: 1 num_shards (int32), 2 endianness, 3 version. */
    private static int headerShards(byte[] value) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(value);
        int shards = 1;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 == 1) {
                shards = in.readInt32();
            } else {
                in.skipField(tag);
            }
        }
        return shards;
    }

    /** BundleEntryProto (fields in the class comment). */
    static Entry parseEntry(String name, byte[] value) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(value);
        int dtype = 0;
        int[] shape = new int[0];
        int shard = 0;
        long offset = 0;
        long size = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> dtype = in.readEnum();
                case 2 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    shape = parseShape(in);
                    in.popLimit(limit);
                }
                case 3 -> shard = in.readInt32();
                case 4 -> offset = in.readInt64();
                case 5 -> size = in.readInt64();
                case 7 -> throw new IOException("tensor '" + name + "' is stored in slices, unsupported");
                default -> in.skipField(tag);
            }
        }
        return new Entry(name, dtype, shape, shard, offset, size);
    }

    /** TensorShapeProto: 2 dim (Dim: 1 size int64, 2 name), 3 unknown_rank. */
    private static int[] parseShape(CodedInputStream in) throws IOException {
        List<Integer> dims = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag >>> 3 == 2) {
                int limit = in.pushLimit(in.readRawVarint32());
                long size = 0;
                while (!in.isAtEnd()) {
                    int t = in.readTag();
                    if (t >>> 3 == 1) {
                        size = in.readInt64();
                    } else {
                        in.skipField(t);
                    }
                }
                in.popLimit(limit);
                if (size < 0 || size > Integer.MAX_VALUE) {
                    throw new IOException("dimension " + size + " out of range");
                }
                dims.add((int) size);
            } else {
                in.skipField(tag);
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
