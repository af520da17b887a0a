package org.smyrf4j.cli;

import java.util.Arrays;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.io.NpyArrays.BoolTensor;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * The {@code attend} inputs as read from .npy files, checked against each other and turned into
 * engine inputs. Q (B, Nq, d), K (B, Nk, d), V (B, Nk, dv) and the mask (B, Nk); or, unbatched,
 * Q (Nq, d), K (Nk, d), V (Nk, dv) and the mask (Nk) or (1, Nk), which mean B = 1. The output is
 * (B, Nq, dv), or (Nq, dv) when unbatched. Shape errors name both disagreeing shapes.
 *
 * @param inputs    the engine inputs (arrays shared with the tensors, not copied)
 * @param unbatched whether Q was given without a batch dimension
 */
record AttendTensors(AttentionInputs inputs, boolean unbatched) {

    /**
     * Checks the shapes and builds the inputs.
     *
     * @param mask the key validity mask, or null for none
     * @throws IllegalArgumentException naming the option and both shapes when they disagree
     */
    static AttendTensors of(FloatTensor q, FloatTensor k, FloatTensor v, BoolTensor mask) {
        int rank = q.rank();
        if (rank != 2 && rank != 3) {
            throw new IllegalArgumentException("--q must be (batch, queryLen, dim) or (queryLen, dim), got rank "
                    + rank + " shape " + text(q.shape()));
        }
        requireNonEmpty("--q", q.shape());
        requireRankLikeQ("--k", k, q);
        requireRankLikeQ("--v", v, q);
        requireNonEmpty("--k", k.shape());
        requireNonEmpty("--v", v.shape());
        boolean unbatched = rank == 2;
        int[] qs = batched(q.shape());
        int[] ks = batched(k.shape());
        int[] vs = batched(v.shape());
        if (!unbatched) {
            requireSame("batch", "--q", q.shape(), qs[0], "--k", k.shape(), ks[0]);
            requireSame("batch", "--q", q.shape(), qs[0], "--v", v.shape(), vs[0]);
        }
        requireSame("dim", "--q", q.shape(), qs[2], "--k", k.shape(), ks[2]);
        requireSame("keyLen", "--k", k.shape(), ks[1], "--v", v.shape(), vs[1]);
        AttentionShape shape = new AttentionShape(qs[0], qs[1], ks[1], qs[2], vs[2]);
        boolean[] keyValid = null;
        if (mask != null) {
            requireMaskShape(mask.shape(), shape, unbatched);
            keyValid = mask.data();
        }
        return new AttendTensors(AttentionInputs.of(shape, q.data(), k.data(), v.data(), keyValid), unbatched);
    }

    AttentionShape shape() {
        return inputs.shape();
    }

    /** The output's shape: (B, Nq, dv), or (Nq, dv) when Q had no batch dimension. */
    int[] outputShape() {
        AttentionShape s = inputs.shape();
        return unbatched ? new int[] {s.queryLen(), s.valueDim()}
                : new int[] {s.batch(), s.queryLen(), s.valueDim()};
    }

    /** A shape as NumPy would print it, without the trailing comma of 1-tuples: (2, 16, 8). */
    static String text(int[] shape) {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }

    private static void requireNonEmpty(String option, int[] shape) {
        for (int size : shape) {
            if (size <= 0) {
                throw new IllegalArgumentException(option + " has an empty dimension: shape " + text(shape));
            }
        }
    }

    private static void requireRankLikeQ(String option, FloatTensor t, FloatTensor q) {
        if (t.rank() != q.rank()) {
            throw new IllegalArgumentException(option + " has rank " + t.rank() + " but --q has rank " + q.rank()
                    + ": " + option + " " + text(t.shape()) + " vs --q " + text(q.shape())
                    + " (give all of them with a batch dimension or none)");
        }
    }

    private static void requireSame(String what, String a, int[] aShape, int aSize, String b, int[] bShape, int bSize) {
        if (aSize != bSize) {
            throw new IllegalArgumentException(a + " and " + b + " disagree on " + what + " (" + aSize + " vs "
                    + bSize + "): " + a + " " + text(aShape) + " vs " + b + " " + text(bShape));
        }
    }

    private static void requireMaskShape(int[] maskShape, AttentionShape s, boolean unbatched) {
        boolean ok = maskShape.length == 2 && maskShape[0] == s.batch() && maskShape[1] == s.keyLen();
        if (unbatched && maskShape.length == 1 && maskShape[0] == s.keyLen()) {
            ok = true;
        }
        if (!ok) {
            String expected = unbatched ? "(keyLen) or (1, keyLen) = (" + s.keyLen() + ") or (1, " + s.keyLen() + ")"
                    : "(batch, keyLen) = (" + s.batch() + ", " + s.keyLen() + ")";
            throw new IllegalArgumentException("--key-valid must be " + expected + " to match --k, got "
                    + text(maskShape));
        }
    }

    /** The shape with a leading batch dimension of 1 when it has none. */
    private static int[] batched(int[] shape) {
        return shape.length == 3 ? shape : new int[] {1, shape[0], shape[1]};
    }
}
