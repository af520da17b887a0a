package org.smyrf4j.bert;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/** Random weights of a tiny BERT with its MLM head, in TensorFlow's names and (in, out) kernels. */
public final class TinyBert {

    private TinyBert() {
    }

    public static Map<String, FloatTensor> tensors(long seed, int hidden, int inter, int vocab, int positions,
            int layers) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, FloatTensor> tf = new LinkedHashMap<>();
        String root = "bert/";
        tf.put(root + "embeddings/word_embeddings", random(random, vocab, hidden));
        tf.put(root + "embeddings/position_embeddings", random(random, positions, hidden));
        tf.put(root + "embeddings/token_type_embeddings", random(random, 2, hidden));
        norm(tf, random, root + "embeddings/LayerNorm", hidden);
        for (int l = 0; l < layers; l++) {
            String p = root + "encoder/layer_" + l + "/";
            for (String s : new String[] {"attention/self/query", "attention/self/key", "attention/self/value",
                    "attention/output/dense"}) {
                dense(tf, random, p + s, hidden, hidden);
            }
            norm(tf, random, p + "attention/output/LayerNorm", hidden);
            dense(tf, random, p + "intermediate/dense", hidden, inter);
            dense(tf, random, p + "output/dense", inter, hidden);
            norm(tf, random, p + "output/LayerNorm", hidden);
        }
        dense(tf, random, "cls/predictions/transform/dense", hidden, hidden);
        norm(tf, random, "cls/predictions/transform/LayerNorm", hidden);
        tf.put("cls/predictions/output_bias", random(random, vocab));
        return tf;
    }

    private static FloatTensor random(SplittableRandom random, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return new FloatTensor(data, shape);
    }

    private static void dense(Map<String, FloatTensor> tf, SplittableRandom random, String prefix, int in, int out) {
        FloatTensor w = random(random, in, out);
        for (int i = 0; i < w.data().length; i++) {
            w.data()[i] /= (float) Math.sqrt(in);
        }
        tf.put(prefix + "/kernel", w);
        tf.put(prefix + "/bias", random(random, out));
    }

    private static void norm(Map<String, FloatTensor> tf, SplittableRandom random, String prefix, int hidden) {
        FloatTensor gamma = random(random, hidden);
        for (int i = 0; i < hidden; i++) {
            gamma.data()[i] = 1 + gamma.data()[i] / 4;
        }
        tf.put(prefix + "/gamma", gamma);
        tf.put(prefix + "/beta", random(random, hidden));
    }

}
