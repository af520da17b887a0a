package org.smyrf4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jetbrains.bio.npy.NpyArray;
import org.jetbrains.bio.npy.NpyFile;

/**
 * Reads and writes the .npy arrays the CLI and tests exchange (float32 tensors, int32 orders,
 * uint8 or bool masks), with errors that name the argument, the file and what was wrong.
 */
public final class NpyArrays {

    private NpyArrays() {
    }

    /** A float32 array with its shape. */
    public record FloatTensor(float[] data, int[] shape) {
        public int rank() { return shape.length; }

        public String shapeText() { return Arrays.toString(shape).replace('[', '(').replace(']', ')'); }
    }

    /** An int32 array with its shape. */
    public record IntTensor(int[] data, int[] shape) {
    }

    /** A boolean array (from uint8 or bool) with its shape. */
    public record BoolTensor(boolean[] data, int[] shape) {
    }

    /** Reads a float32 array; {@code argument} names it in errors. */
    public static FloatTensor readFloat(String argument, Path path) {
        NpyArray array = read(argument, path);
        if (!(array.getData() instanceof float[] data)) {
            throw new IllegalArgumentException(argument + " must be float32, got " + dtypeOf(array) + " in " + path);
        }
        return new FloatTensor(data, array.getShape());
    }

    /** Reads an int32 array; {@code argument} names it in errors. */
    public static IntTensor readInt(String argument, Path path) {
        NpyArray array = read(argument, path);
        if (!(array.getData() instanceof int[] data)) {
            throw new IllegalArgumentException(argument + " must be int32, got " + dtypeOf(array) + " in " + path);
        }
        return new IntTensor(data, array.getShape());
    }

    /** Reads a uint8 (non-zero = true) or bool array; {@code argument} names it in errors. */
    public static BoolTensor readMask(String argument, Path path) {
        NpyArray array = read(argument, path);
        Object data = array.getData();
        if (data instanceof boolean[] bools) {
            return new BoolTensor(bools, array.getShape());
        }
        if (data instanceof byte[] bytes) {
            boolean[] bools = new boolean[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                bools[i] = bytes[i] != 0;
            }
            return new BoolTensor(bools, array.getShape());
        }
        throw new IllegalArgumentException(argument + " must be uint8 or bool, got " + dtypeOf(array) + " in " + path);
    }

    /** Writes a float32 array of the given shape. */
    public static void writeFloat(Path path, float[] data, int... shape) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            NpyFile.write(path, data, shape);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private static NpyArray read(String argument, Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(argument + " file not found: " + path);
        }
        try {
            return NpyFile.read(path, Integer.MAX_VALUE);
        } catch (RuntimeException e) {
            // The library refuses Fortran-ordered files (numpy writes them for transposed views).
            if (String.valueOf(e.getMessage()).contains("Fortran")) {
                return FortranOrder.read(argument, path);
            }
            throw new IllegalArgumentException(argument + " is not a readable .npy file: " + path
                    + " (" + e.getMessage() + ")");
        }
    }

    /** Reads a Fortran-ordered (column-major) .npy file into C order. */
    private static final class FortranOrder {
        private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiub])(\\d+)'");
        private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

        static NpyArray read(String argument, Path path) {
            ByteBuffer buf;
            try {
                buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + argument + " from " + path, e);
            }
            int major = buf.get(6);
            int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
            int dataStart = (major == 1 ? 10 : 12) + headerLen;
            String header = new String(buf.array(), dataStart - headerLen, headerLen, StandardCharsets.ISO_8859_1);
            Matcher descr = DESCR.matcher(header);
            Matcher shapeText = SHAPE.matcher(header);
            if (!descr.find() || !shapeText.find()) {
                throw new IllegalArgumentException(argument + " has an unsupported .npy header: " + header.trim()
                        + " in " + path);
            }
            int[] shape = Arrays.stream(shapeText.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
            int count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            buf.order(descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            String type = descr.group(2) + descr.group(3);
            int[] source = columnMajorIndices(shape, count);
            switch (type) {
                case "f4" -> {
                    float[] data = new float[count];
                    for (int i = 0; i < count; i++) data[i] = buf.getFloat(dataStart + 4 * source[i]);
                    return new NpyArray(data, shape);
                }
                case "i4" -> {
                    int[] data = new int[count];
                    for (int i = 0; i < count; i++) data[i] = buf.getInt(dataStart + 4 * source[i]);
                    return new NpyArray(data, shape);
                }
                case "u1", "i1" -> {
                    byte[] data = new byte[count];
                    for (int i = 0; i < count; i++) data[i] = buf.get(dataStart + source[i]);
                    return new NpyArray(data, shape);
                }
                case "b1" -> {
                    boolean[] data = new boolean[count];
                    for (int i = 0; i < count; i++) data[i] = buf.get(dataStart + source[i]) != 0;
                    return new NpyArray(data, shape);
                }
                default -> throw new IllegalArgumentException(argument + " has unsupported dtype " + descr.group()
                        + " in Fortran order in " + path);
            }
        }

        /** For each element in C order, its position in the column-major data. */
        private static int[] columnMajorIndices(int[] shape, int count) {
            int[] source = new int[count];
            int[] index = new int[shape.length];
            for (int i = 0; i < count; i++) {
                int f = 0;
                for (int axis = shape.length - 1; axis >= 0; axis--) {
                    f = f * shape[axis] + index[axis];
                }
                source[i] = f;
                for (int axis = shape.length - 1; axis >= 0; axis--) {
                    if (++index[axis] < shape[axis]) {
                        break;
                    }
                    index[axis] = 0;
                }
            }
            return source;
        }
    }

    private static String dtypeOf(NpyArray array) {
        Object data = array.getData();
        if (data instanceof float[]) return "float32";
        if (data instanceof double[]) return "float64";
        if (data instanceof int[]) return "int32";
        if (data instanceof long[]) return "int64";
        if (data instanceof short[]) return "int16";
        if (data instanceof byte[]) return "int8/uint8";
        if (data instanceof boolean[]) return "bool";
        return data == null ? "unknown" : data.getClass().getSimpleName();
    }
}
