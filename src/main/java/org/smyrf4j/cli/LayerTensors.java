package org.smyrf4j.cli;

import org.smyrf4j.io.NpyArrays.BoolTensor;
import org.smyrf4j.io.NpyArrays.FloatTensor;
import org.smyrf4j.layer.LayerInputs;

/**
 * The {@code layer} inputs as read from .npy files, checked against each other and the weights'
 * dmodel: x (B, N, dmodel), memory (B, M, dmodel) and the mask (B, M), or (B, N) without a
 * memory; or, unbatched, x (N, dmodel), memory (M, dmodel) and the mask (M) or (1, M), which
 * mean B = 1. The output is (B, N, dmodel), or (N, dmodel) when unbatched.
 *
 * @param inputs    the layer inputs (arrays shared with the tensors, not copied)
 * @param unbatched whether x was given without a batch dimension
 */
record LayerTensors(LayerInputs inputs, boolean unbatched) {

    /**
     * Checks the shapes and builds the inputs.
     *
     * @param memory   the memory for cross-attention, or null
     * @param mask     the key validity mask, or null
     * @param modelDim the weights' dmodel
     * @throws IllegalArgumentException naming the option and the shapes that disagree
     */
    static LayerTensors of(FloatTensor x, FloatTensor memory, BoolTensor mask, int modelDim) {
        int rank = x.rank();
        if (rank != 2 && rank != 3) {
            throw new IllegalArgumentException("--x must be (batch, tokens, dmodel) or (tokens, dmodel), got rank "
                    + rank + " shape " + x.shapeText());
        }
        requireNonEmpty("--x", x);
        boolean unbatched = rank == 2;
        int[] xs = batched(x.shape());
        if (xs[2] != modelDim) {
            throw new IllegalArgumentException("--x has dmodel " + xs[2] + " (last dimension of " + x.shapeText()
                    + ") but the weights are for dmodel " + modelDim);
        }
        LayerInputs inputs;
        int keyLen;
        if (memory != null) {
            if (memory.rank() != rank) {
                throw new IllegalArgumentException("--memory has rank " + memory.rank() + " but --x has rank " + rank
                        + ": --memory " + memory.shapeText() + " vs --x " + x.shapeText()
                        + " (give both with a batch dimension or neither)");
            }
            requireNonEmpty("--memory", memory);
            int[] ms = batched(memory.shape());
            if (ms[0] != xs[0]) {
                throw new IllegalArgumentException("--x and --memory disagree on batch (" + xs[0] + " vs " + ms[0]
                        + "): --x " + x.shapeText() + " vs --memory " + memory.shapeText());
            }
            if (ms[2] != modelDim) {
                throw new IllegalArgumentException("--memory has dmodel " + ms[2] + " (last dimension of "
                        + memory.shapeText() + ") but the weights are for dmodel " + modelDim);
            }
            keyLen = ms[1];
            inputs = LayerInputs.crossAttention(x.data(), xs[0], xs[1], memory.data(), ms[1], modelDim);
        } else {
            keyLen = xs[1];
            inputs = LayerInputs.selfAttention(x.data(), xs[0], xs[1], modelDim);
        }
        if (mask != null) {
            requireMaskShape(mask.shape(), xs[0], keyLen, unbatched, memory != null);
            inputs = inputs.withKeyValid(mask.data());
        }
        return new LayerTensors(inputs, unbatched);
    }

    /** The output's shape: (B, N, dmodel), or (N, dmodel) when x had no batch dimension. */
    int[] outputShape() {
        LayerInputs in = inputs;
        return unbatched ? new int[] {in.queryLen(), in.modelDim()}
                : new int[] {in.batch(), in.queryLen(), in.modelDim()};
    }

    private static void requireNonEmpty(String option, FloatTensor t) {
        for (int size : t.shape()) {
            if (size <= 0) {
                throw new IllegalArgumentException(option + " has an empty dimension: shape " + t.shapeText());
            }
        }
    }

    private static void requireMaskShape(int[] shape, int batch, int keyLen, boolean unbatched, boolean cross) {
        boolean ok = shape.length == 2 && shape[0] == batch && shape[1] == keyLen;
        if (unbatched && shape.length == 1 && shape[0] == keyLen) {
            ok = true;
        }
        if (!ok) {
            String keys = cross ? "memory tokens of --memory" : "tokens of --x";
            String expected = unbatched ? "(" + keyLen + ") or (1, " + keyLen + ")" : "(" + batch + ", " + keyLen + ")";
            throw new IllegalArgumentException("--key-valid must be (batch, keyLen) = " + expected + ", keyLen the "
                    + keys + ", got " + AttendTensors.text(shape));
        }
    }

    private static int[] batched(int[] shape) {
        return shape.length == 3 ? shape : new int[] {1, shape[0], shape[1]};
    }
}
