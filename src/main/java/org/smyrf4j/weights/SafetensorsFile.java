package org.smyrf4j.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * A .safetensors file, read lazily: the header on {@link #open}, each tensor's bytes on
 * {@link #read}. F32, F16 and BF16 tensors read as float32 (exactly); other dtypes may be
 * present (they are listed) but not read.
 *
 * <p>Format: an unsigned 64-bit little-endian header length n; n bytes of UTF-8 JSON mapping
 * each tensor name to {@code {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}}
 * (plus an optional {@code "__metadata__"} map of strings); then the data, little-endian and
 * row-major, tensor t at bytes [begin, end) counted from the end of the header.
 */
public final class SafetensorsFile implements TensorSource {

    /** The reference implementation's limit on the header; larger ones are refused as damaged. */
    static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;
    static final String METADATA_KEY = "__metadata__";
    /** The dtypes {@link #read} converts to float32. */
    static final List<String> READABLE_DTYPES = List.of("F32", "F16", "BF16");

    /** One tensor's header entry. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        /** The number of elements: the product of the shape (1 for a scalar). */
        public long elements() {
            long n = 1;
            for (int s : shape) {
                n *= s;
            }
            return n;
        }

        public String shapeText() {
            return Arrays.toString(shape).replace('[', '(').replace(']', ')');
        }
    }

    private final Path path;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final SortedSet<String> names;

    private SafetensorsFile(Path path, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(entries.keySet()));
    }

    /**
     * Reads and checks the header.
     *
     * @throws IllegalArgumentException when the file is missing, too short, or its header is not
     *                                  valid safetensors (the message says what is wrong)
     * @throws UncheckedIOException     when reading fails
     */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("safetensors file not found: " + path);
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new IllegalArgumentException(path + " is not a safetensors file: " + size
                        + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer lengthBytes = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException(path + " is not a safetensors file: header length "
                        + Long.toUnsignedString(headerLength) + " does not fit the file size " + size
                        + " (need 2 .. min(size - 8, " + MAX_HEADER_BYTES + "))");
            }
            String json = utf8(readFully(channel, 8, (int) headerLength), path);
            long dataStart = 8 + headerLength;
            return parseHeader(path, json, size - dataStart, dataStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path location() {
        return path;
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    /** The header entry of a tensor, or null when there is none. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public FloatTensor read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw CloseNames.missing(name, path, names);
        }
        if (!READABLE_DTYPES.contains(e.dtype())) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has dtype " + e.dtype()
                    + ", which cannot be read as float32; supported: " + String.join(", ", READABLE_DTYPES));
        }
        if (e.elements() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has " + e.elements()
                    + " elements, more than a Java array can index");
        }
        int n = (int) e.elements();
        float[] data = new float[n];
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer bytes = readFully(channel, dataStart + e.begin(), (int) (e.end() - e.begin()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            switch (e.dtype()) {
                case "F32" -> bytes.asFloatBuffer().get(data);
                case "F16" -> {
                    for (int i = 0; i < n; i++) {
                        data[i] = HalfFloats.f16ToFloat(bytes.getShort(2 * i));
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        data[i] = HalfFloats.bf16ToFloat(bytes.getShort(2 * i));
                    }
                }
                default -> throw new IllegalStateException("unhandled dtype " + e.dtype());
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + path + ": " + ex.getMessage(), ex);
        }
        return new FloatTensor(data, e.shape().clone());
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + entries.size() + " tensors]";
    }

    // ---------------------------------------------------------------------------------------
    // Header

    static SafetensorsFile parseHeader(Path path, String json, long dataSize, long dataStart) {
        String source = "the header of " + path;
        if (!(JsonParser.parse(json, source) instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException(source + " must be a JSON object of tensor entries");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<?, ?> item : top.entrySet()) {
            String name = (String) item.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(source, item.getValue());
                continue;
            }
            entries.put(name, entry(source, name, item.getValue(), dataSize));
        }
        return new SafetensorsFile(path, dataStart, Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> metadata(String source, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + " must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> item : map.entrySet()) {
            if (!(item.getValue() instanceof String s)) {
                throw new IllegalArgumentException(source + ": " + METADATA_KEY + " must map to strings, got "
                        + item.getValue() + " for '" + item.getKey() + "'");
            }
            out.put((String) item.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(String source, String name, Object value, long dataSize) {
        String where = source + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> fields)) {
            throw new IllegalArgumentException(where + " must be an object with dtype, shape and data_offsets");
        }
        if (!(fields.get("dtype") instanceof String dtype)) {
            throw new IllegalArgumentException(where + " needs a string dtype, got " + fields.get("dtype"));
        }
        int[] shape = shape(where, fields.get("shape"));
        long[] offsets = offsets(where, fields.get("data_offsets"), dataSize);
        Entry entry = new Entry(name, dtype, shape, offsets[0], offsets[1]);
        int itemBytes = itemBytes(dtype);
        if (itemBytes > 0) {
            long bytes = offsets[1] - offsets[0];
            long expected = entry.elements() * itemBytes;
            if (bytes != expected) {
                throw new IllegalArgumentException(where + ": data_offsets [" + offsets[0] + ", " + offsets[1]
                        + "] hold " + bytes + " bytes, but dtype " + dtype + " and shape " + entry.shapeText()
                        + " need " + expected);
            }
        }
        return entry;
    }

    private static int[] shape(String where, Object value) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException(where + " needs a shape array, got " + value);
        }
        int[] shape = new int[list.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(list.get(i) instanceof Long size) || size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where + " has a shape entry that is not a size >= 0: " + list);
            }
            shape[i] = (int) (long) size;
            try {
                elements = Math.multiplyExact(elements, size);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException(where + " has a shape whose element count overflows: " + list);
            }
        }
        return shape;
    }

    private static long[] offsets(String where, Object value, long dataSize) {
        if (!(value instanceof List<?> list) || list.size() != 2
                || !(list.get(0) instanceof Long begin) || !(list.get(1) instanceof Long end)) {
            throw new IllegalArgumentException(where + " needs data_offsets [begin, end], got " + value);
        }
        if (begin < 0 || end < begin || end > dataSize) {
            throw new IllegalArgumentException(where + " has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataSize + " bytes");
        }
        return new long[] {begin, end};
    }

    /** Bytes per element of a safetensors dtype, or 0 for one this reader does not know. */
    static int itemBytes(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64" -> 8;
            default -> 0;
        };
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static String utf8(ByteBuffer bytes, Path path) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the header of " + path + " is not valid UTF-8");
        }
    }
}
