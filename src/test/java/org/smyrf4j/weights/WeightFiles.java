package org.smyrf4j.weights;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.Linear;

/** Writes a layer's weights under a preset's names, as checkpoints store them. */
public final class WeightFiles {

    private WeightFiles() {
    }

    /** The tensors of {@code w} named by {@code names}: .weight (d, d) and, when present, .bias (d). */
    public static Map<String, FloatTensor> tensors(AttentionWeights w, TensorNames names) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        List<Linear> layers = List.of(w.query(), w.key(), w.value(), w.output());
        List<String> bases = names.all();
        int d = w.modelDim();
        for (int i = 0; i < 4; i++) {
            tensors.put(bases.get(i) + TensorNames.WEIGHT, new FloatTensor(layers.get(i).weight(), new int[] {d, d}));
            if (layers.get(i).hasBias()) {
                tensors.put(bases.get(i) + TensorNames.BIAS, new FloatTensor(layers.get(i).bias(), new int[] {d}));
            }
        }
        return tensors;
    }

    /** A .safetensors file with these tensors and {@code extra} ones (other layers, buffers). */
    public static Path safetensors(Path file, AttentionWeights w, TensorNames names, Map<String, FloatTensor> extra) {
        Map<String, FloatTensor> all = new LinkedHashMap<>(extra);
        all.putAll(tensors(w, names));
        SafetensorsWriter.write(file, all);
        return file;
    }

    /** A folder with one NAME.npy per tensor. */
    public static Path npyFolder(Path folder, AttentionWeights w, TensorNames names) {
        for (Map.Entry<String, FloatTensor> e : tensors(w, names).entrySet()) {
            NpyArrays.writeFloat(folder.resolve(e.getKey() + ".npy"), e.getValue().data(), e.getValue().shape());
        }
        return folder;
    }
}
