package org.smyrf4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/** The TensorFlow checkpoint reader on small checkpoints written here in TensorFlow's layout. */
class TfCheckpointTest {

    @TempDir
    Path dir;

    private static Map<String, FloatTensor> tensors() {
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("bert/encoder/layer_0/attention/self/query/kernel", new FloatTensor(new float[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3}));
        t.put("bert/encoder/layer_0/attention/self/query/bias", new FloatTensor(new float[] {-1, 0.5f, 7}, new int[] {3}));
        t.put("bert/encoder/layer_0/attention/self/key/kernel", new FloatTensor(new float[] {9, 8, 7, 6}, new int[] {2, 2}));
        t.put("scalar", new FloatTensor(new float[] {42}, new int[0]));
        return t;
    }

    @Test
    void readsEveryTensorWithShapeAndValues() throws IOException {
        for (int restartInterval : new int[] {1, 2, 16}) {
            Path prefix = dir.resolve("r" + restartInterval).resolve("variables").resolve("variables");
            Files.createDirectories(prefix.getParent());
            TinyCheckpointWriter.write(prefix, tensors(), restartInterval);
            for (Path open : List.of(prefix, Path.of(prefix + ".index"), prefix.getParent().getParent())) {
                TfCheckpoint ckpt = TfCheckpoint.open(open);
                assertEquals(tensors().keySet().stream().sorted().toList(), List.copyOf(ckpt.names()), "names via " + open);
                for (Map.Entry<String, FloatTensor> e : tensors().entrySet()) {
                    FloatTensor got = ckpt.read(e.getKey());
                    assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey() + " shape");
                    assertArrayEquals(e.getValue().data(), got.data(), e.getKey() + " values");
                }
            }
        }
    }

    @Test
    void missingTensorsAndDamagedIndexesAreNamed() throws IOException {
        Path prefix = dir.resolve("variables");
        TinyCheckpointWriter.write(prefix, tensors(), 4);
        TfCheckpoint ckpt = TfCheckpoint.open(prefix);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ckpt.read("bert/encoder/layer_0/attention/self/value/kernel"));
        assertTrue(missing.getMessage().contains("value/kernel"), missing.getMessage());

        byte[] index = Files.readAllBytes(Path.of(prefix + ".index"));
        index[index.length - 1] ^= 0x55;
        Path bad = dir.resolve("bad");
        Files.write(Path.of(bad + ".index"), index);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TfCheckpoint.open(bad));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }
}
