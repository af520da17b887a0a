package org.smyrf4j.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * Named float32 tensors on disk: a .safetensors file ({@link SafetensorsFile}) or a folder of
 * .npy files ({@link NpyFolder}). Tensors are read one at a time, on request.
 */
public interface TensorSource {

    /** The file or folder, for messages. */
    Path location();

    /** Every tensor name, sorted. */
    SortedSet<String> names();

    /** Whether a tensor of this name exists. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * Reads a tensor as float32 with its shape.
     *
     * @throws IllegalArgumentException when it is missing (naming close names), has a dtype that
     *                                  cannot be read as float32, or its data is damaged
     */
    FloatTensor read(String name);

    /**
     * The source at {@code path}: a folder of .npy files, else a .safetensors file.
     *
     * @throws IllegalArgumentException when nothing is there or the file is not safetensors
     */
    static TensorSource open(Path path) {
        if (Files.isDirectory(path)) {
            return NpyFolder.open(path);
        }
        return SafetensorsFile.open(path);
    }
}
