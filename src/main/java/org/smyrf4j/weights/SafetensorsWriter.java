package org.smyrf4j.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * Writes float32 tensors as a .safetensors file that {@link SafetensorsFile}, the Python
 * {@code safetensors} package and PyTorch read: tensors in the map's order, the header padded
 * with spaces to a multiple of 8 bytes so the data starts aligned.
 */
public final class SafetensorsWriter {

    /** Header and data alignment, as the reference writer pads. */
    static final int ALIGNMENT = 8;

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} (name to float32 data and shape) to {@code path}, replacing it.
     *
     * @throws IllegalArgumentException when a tensor's data does not match its shape, or a name
     *                                  is empty or {@code __metadata__}
     * @throws UncheckedIOException     when writing fails
     */
    public static void write(Path path, Map<String, FloatTensor> tensors) {
        write(path, tensors, Map.of());
    }

    /** As {@link #write(Path, Map)}, with {@code __metadata__} strings (none when empty). */
    public static void write(Path path, Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        List<Raw> raw = new ArrayList<>();
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            FloatTensor t = e.getValue();
            long elements = 1;
            for (int s : t.shape()) {
                if (s < 0) {
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' has a negative size in shape "
                            + t.shapeText());
                }
                elements *= s;
            }
            if (elements != t.data().length) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + t.shapeText() + " = "
                        + elements + " elements but " + t.data().length + " values");
            }
            ByteBuffer bytes = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(t.data());
            raw.add(new Raw(e.getKey(), "F32", t.shape(), bytes.array()));
        }
        writeRaw(path, raw, metadata);
    }

    /**
     * One tensor already encoded: a safetensors dtype name (F16, BF16, I64, ...) and its
     * little-endian, row-major bytes.
     */
    public record Raw(String name, String dtype, int[] shape, byte[] data) {
    }

    /**
     * Writes tensors given as encoded bytes, in the list's order.
     *
     * @throws IllegalArgumentException when a name is empty or {@code __metadata__}, or the byte
     *                                  count does not fit the shape for a known dtype
     */
    public static void writeRaw(Path path, List<Raw> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(quote(SafetensorsFile.METADATA_KEY)).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                json.append(first ? "" : ",").append(quote(m.getKey())).append(':').append(quote(m.getValue()));
                first = false;
            }
            json.append('}');
        }
        long offset = 0;
        for (Raw t : tensors) {
            if (t.name().isEmpty() || t.name().equals(SafetensorsFile.METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name must be non-empty and not "
                        + SafetensorsFile.METADATA_KEY + ", got '" + t.name() + "'");
            }
            int itemBytes = SafetensorsFile.itemBytes(t.dtype());
            long elements = 1;
            for (int size : t.shape()) {
                elements *= size;
            }
            if (itemBytes > 0 && elements * itemBytes != t.data().length) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' of dtype " + t.dtype() + " and shape "
                        + java.util.Arrays.toString(t.shape()) + " needs " + elements * itemBytes + " bytes, got "
                        + t.data().length);
            }
            json.append(json.length() > 1 ? "," : "").append(quote(t.name())).append(":{\"dtype\":")
                    .append(quote(t.dtype())).append(",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) {
                json.append(i > 0 ? "," : "").append(t.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.data().length)
                    .append("]}");
            offset += t.data().length;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] headerPadded = new byte[padded];
        System.arraycopy(header, 0, headerPadded, 0, header.length);
        for (int i = header.length; i < padded; i++) {
            headerPadded[i] = ' ';
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(path)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerPadded);
                for (Raw t : tensors) {
                    out.write(t.data());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
