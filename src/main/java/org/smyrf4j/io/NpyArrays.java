package org.smyrf4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
            throw new IllegalArgumentException(argument + " is not a readable .npy file: " + path
                    + " (" + e.getMessage() + ")");
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
