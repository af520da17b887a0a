package org.smyrf4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlockAttention} on the Vector API (jdk.incubator.vector), SPECIES_PREFERRED. The lanes
 * of a vector are consecutive queries of the block (or consecutive value columns), so every sum
 * over keys or dimensions stays inside one lane and keeps the scalar kernel's order of
 * operations (same bits, see BlockAttention).
 *
 * <ul>
 *   <li>logits: register tiles of 4 keys x 4 query vectors (16 accumulators); per dimension c,
 *       4 query-vector loads and 4 key broadcasts feed 16 fma;</li>
 *   <li>softmax: lanewise max, {@link FastExp}'s polynomial lanewise (written out in the loop),
 *       lanewise running sum;</li>
 *   <li>P x V: register tiles of 4 queries x 4 value vectors; per key, 4 value loads and 4
 *       probability broadcasts feed 16 fma.</li>
 * </ul>
 * The register tiles are small static methods: they are invoked often enough to reach the C2
 * compiler early, which matters because Vector API code runs far slower before it does.
 * Loaded only by reflection when the module is present (see {@link BlockAttentions}).
 */
final class VectorBlockAttention extends BlockAttention {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    int lanes() {
        return L;
    }

    @Override
    String name() {
        return "vector-" + F.vectorBitSize() + "bit";
    }

    // ------------------------------------------------------------------ warm-up

    @Override
    boolean needsWarmUp() {
        return true;
    }

    /**
     * Calls register tiles {@code calls} times on minimal operands (2 dimensions, 2 keys): the
     * invocation counts that get them compiled, for a small fraction of the work of real blocks
     * (see {@link KernelWarmUp}). The main tiles first, so that they are queued for the
     * compiler first; then the remainder tiles.
     */
    @Override
    void exerciseTiles(int calls, boolean mainTiles) {
        final int width = 4 * L;
        final int d = 2;
        final int dv = 5 * L + 1;
        final int keys = 4;
        float[] qt = KernelWarmUp.pattern(d * width, 0.25f);
        float[] k = KernelWarmUp.pattern(keys * d, -0.5f);
        float[] v = KernelWarmUp.pattern(keys * dv, 1f);
        int[] rows = {3, 2, 1, 0};
        float[] tile = new float[keys * width];
        float[] acc = new float[4 * dv];
        float[] max = new float[width];
        float[] sum = new float[width];
        float[] alpha = new float[width];
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int n = 0; n < calls; n++) {
            if (mainTiles) {
                logits4x4(qt, 0, width, d, k, 0, d, 2 * d, 3 * d, 0.5f, tile, 0);
                softmaxColumns(tile, width, 2, 0, max, sum, alpha);
                pv4x4(tile, width, 0, v, rows, 0, 2, dv, 0, acc, 0);
            } else {
                logits4x1(qt, 0, width, d, k, 0, d, 2 * d, 3 * d, 0.5f, tile, 0);
                logits1x1(qt, 0, width, d, k, 0, 0.5f, tile, 0);
                pv4x1(tile, width, 0, v, rows, 0, 2, dv, 4 * L, acc, 4 * L);
                pv1x1(tile, width, 0, v, rows, 0, 2, dv, 0, acc, 0);
                scalarColumns(tile, width, 0, v, rows, 0, 2, dv, 5 * L, acc);
                divideRow(acc, 0, 5 * L, dv, 3f);
            }
        }
    }

    // ------------------------------------------------------------------ logits

    @Override
    void logits(BlockScratch s, float[] k, int[] keyRows, int from, int tileKeys) {
        final int d = s.dim;
        final int width = s.width;
        final float[] qt = s.queriesT;
        final float[] tile = s.tile;
        final float scale = s.scale;
        int j = 0;
        for (; j + 4 <= tileKeys; j += 4) {
            int k0 = keyRows[from + j] * d;
            int k1 = keyRows[from + j + 1] * d;
            int k2 = keyRows[from + j + 2] * d;
            int k3 = keyRows[from + j + 3] * d;
            int i = 0;
            for (; i + 4 * L <= width; i += 4 * L) {
                logits4x4(qt, i, width, d, k, k0, k1, k2, k3, scale, tile, j * width + i);
            }
            for (; i < width; i += L) {
                logits4x1(qt, i, width, d, k, k0, k1, k2, k3, scale, tile, j * width + i);
            }
        }
        for (; j < tileKeys; j++) {
            int k0 = keyRows[from + j] * d;
            for (int i = 0; i < width; i += L) {
                logits1x1(qt, i, width, d, k, k0, scale, tile, j * width + i);
            }
        }
    }

    /** Keys k0..k3 against query vectors at columns i .. i+4L; results at rows o, o+width, ... */
    private static void logits4x4(float[] qt, int i, int width, int d, float[] k, int k0, int k1, int k2, int k3,
            float scale, float[] tile, int o) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        for (int c = 0, qo = i; c < d; c++, qo += width) {
            FloatVector q0 = FloatVector.fromArray(F, qt, qo);
            FloatVector q1 = FloatVector.fromArray(F, qt, qo + L);
            FloatVector q2 = FloatVector.fromArray(F, qt, qo + 2 * L);
            FloatVector q3 = FloatVector.fromArray(F, qt, qo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, k[k0 + c]);
            a00 = q0.fma(b, a00);
            a01 = q1.fma(b, a01);
            a02 = q2.fma(b, a02);
            a03 = q3.fma(b, a03);
            b = FloatVector.broadcast(F, k[k1 + c]);
            a10 = q0.fma(b, a10);
            a11 = q1.fma(b, a11);
            a12 = q2.fma(b, a12);
            a13 = q3.fma(b, a13);
            b = FloatVector.broadcast(F, k[k2 + c]);
            a20 = q0.fma(b, a20);
            a21 = q1.fma(b, a21);
            a22 = q2.fma(b, a22);
            a23 = q3.fma(b, a23);
            b = FloatVector.broadcast(F, k[k3 + c]);
            a30 = q0.fma(b, a30);
            a31 = q1.fma(b, a31);
            a32 = q2.fma(b, a32);
            a33 = q3.fma(b, a33);
        }
        a00.mul(scale).intoArray(tile, o);
        a01.mul(scale).intoArray(tile, o + L);
        a02.mul(scale).intoArray(tile, o + 2 * L);
        a03.mul(scale).intoArray(tile, o + 3 * L);
        o += width;
        a10.mul(scale).intoArray(tile, o);
        a11.mul(scale).intoArray(tile, o + L);
        a12.mul(scale).intoArray(tile, o + 2 * L);
        a13.mul(scale).intoArray(tile, o + 3 * L);
        o += width;
        a20.mul(scale).intoArray(tile, o);
        a21.mul(scale).intoArray(tile, o + L);
        a22.mul(scale).intoArray(tile, o + 2 * L);
        a23.mul(scale).intoArray(tile, o + 3 * L);
        o += width;
        a30.mul(scale).intoArray(tile, o);
        a31.mul(scale).intoArray(tile, o + L);
        a32.mul(scale).intoArray(tile, o + 2 * L);
        a33.mul(scale).intoArray(tile, o + 3 * L);
    }

    /** Keys k0..k3 against the query vector at columns i .. i+L. */
    private static void logits4x1(float[] qt, int i, int width, int d, float[] k, int k0, int k1, int k2, int k3,
            float scale, float[] tile, int o) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0, qo = i; c < d; c++, qo += width) {
            FloatVector q0 = FloatVector.fromArray(F, qt, qo);
            a0 = q0.fma(FloatVector.broadcast(F, k[k0 + c]), a0);
            a1 = q0.fma(FloatVector.broadcast(F, k[k1 + c]), a1);
            a2 = q0.fma(FloatVector.broadcast(F, k[k2 + c]), a2);
            a3 = q0.fma(FloatVector.broadcast(F, k[k3 + c]), a3);
        }
        a0.mul(scale).intoArray(tile, o);
        a1.mul(scale).intoArray(tile, o + width);
        a2.mul(scale).intoArray(tile, o + 2 * width);
        a3.mul(scale).intoArray(tile, o + 3 * width);
    }

    /** Key k0 against the query vector at columns i .. i+L. */
    private static void logits1x1(float[] qt, int i, int width, int d, float[] k, int k0, float scale,
            float[] tile, int o) {
        FloatVector a0 = FloatVector.zero(F);
        for (int c = 0, qo = i; c < d; c++, qo += width) {
            a0 = FloatVector.fromArray(F, qt, qo).fma(FloatVector.broadcast(F, k[k0 + c]), a0);
        }
        a0.mul(scale).intoArray(tile, o);
    }

    // ------------------------------------------------------------------ softmax

    @Override
    void softmaxTile(BlockScratch s, int tileKeys) {
        for (int i = 0; i < s.width; i += L) {
            softmaxColumns(s.tile, s.width, tileKeys, i, s.max, s.sum, s.alpha);
        }
    }

    /**
     * The online-softmax update of the query vector at columns i .. i+L (see BlockAttention).
     *
     * <p>The exponential is {@link FastExp#exp} lane by lane, the same operations in the same
     * order, written out inside the loop rather than in a helper taking a FloatVector: when C2
     * compiled such a helper on its own (not inlined, which depends on what was compiled first),
     * its vector operations fell back to their slow Java forms (FloatVector.blendTemplate and
     * friends in the profile) and SMYRF ran twice as slow for the rest of the process. The
     * rescale factor alpha, once per tile and lane, uses the scalar FastExp.exp (same bits).
     */
    private static void softmaxColumns(float[] tile, int width, int tileKeys, int i, float[] max, float[] sum,
            float[] alpha) {
        FloatVector tileMax = FloatVector.fromArray(F, tile, i);
        for (int j = 1, o = i + width; j < tileKeys; j++, o += width) {
            tileMax = tileMax.max(FloatVector.fromArray(F, tile, o));
        }
        FloatVector oldMax = FloatVector.fromArray(F, max, i);
        FloatVector newMax = oldMax.max(tileMax);
        oldMax.sub(newMax).intoArray(alpha, i);
        for (int lane = i; lane < i + L; lane++) {
            alpha[lane] = FastExp.exp(alpha[lane]);
        }
        FloatVector total = FloatVector.fromArray(F, sum, i).mul(FloatVector.fromArray(F, alpha, i));
        final FloatVector log2e = FloatVector.broadcast(F, FastExp.LOG2E);
        final FloatVector roundMagic = FloatVector.broadcast(F, FastExp.ROUND_MAGIC);
        final FloatVector minusLn2Hi = FloatVector.broadcast(F, -FastExp.LN2_HI);
        final FloatVector minusLn2Lo = FloatVector.broadcast(F, -FastExp.LN2_LO);
        final FloatVector c7 = FloatVector.broadcast(F, FastExp.C7);
        final FloatVector c6 = FloatVector.broadcast(F, FastExp.C6);
        final FloatVector c5 = FloatVector.broadcast(F, FastExp.C5);
        final FloatVector c4 = FloatVector.broadcast(F, FastExp.C4);
        final FloatVector c3 = FloatVector.broadcast(F, FastExp.C3);
        final FloatVector c2 = FloatVector.broadcast(F, FastExp.C2);
        final FloatVector one = FloatVector.broadcast(F, 1f);
        final FloatVector zero = FloatVector.zero(F);
        for (int j = 0, o = i; j < tileKeys; j++, o += width) {
            FloatVector x = FloatVector.fromArray(F, tile, o).sub(newMax);
            VectorMask<Float> inRange = x.compare(VectorOperators.GE, FastExp.CUTOFF);
            FloatVector t = x.fma(log2e, roundMagic);
            FloatVector n = t.sub(FastExp.ROUND_MAGIC);
            FloatVector r = n.fma(minusLn2Hi, x);
            r = n.fma(minusLn2Lo, r);
            FloatVector poly = c7.fma(r, c6);
            poly = poly.fma(r, c5);
            poly = poly.fma(r, c4);
            poly = poly.fma(r, c3);
            poly = poly.fma(r, c2);
            poly = poly.fma(r, one);
            poly = poly.fma(r, one);
            FloatVector twoToN = ((IntVector) t.reinterpretAsInts()).add(FastExp.EXPONENT_BIAS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p = zero.blend(poly.mul(twoToN), inRange);
            p.intoArray(tile, o);
            total = total.add(p);
        }
        newMax.intoArray(max, i);
        total.intoArray(sum, i);
    }

    // ------------------------------------------------------------------ normalisation

    @Override
    void normalize(BlockScratch s) {
        final int dv = s.valueDim;
        final int vectorCols = dv - dv % L;
        for (int i = 0; i < s.count; i++) {
            divideRow(s.acc, i * dv, vectorCols, dv, s.sum[i]);
        }
    }

    /** {@code acc[o + c] /= total} for c < dv, lanewise (IEEE division, as the scalar kernel). */
    private static void divideRow(float[] acc, int o, int vectorCols, int dv, float total) {
        FloatVector t = FloatVector.broadcast(F, total);
        int c = 0;
        for (; c < vectorCols; c += L) {
            FloatVector.fromArray(F, acc, o + c).div(t).intoArray(acc, o + c);
        }
        for (; c < dv; c++) {
            acc[o + c] = acc[o + c] / total;
        }
    }

    // ------------------------------------------------------------------ P x V

    @Override
    void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys) {
        final int dv = s.valueDim;
        final int width = s.width;
        final float[] tile = s.tile;
        final float[] acc = s.acc;
        final int count = s.count;
        final int vectorCols = dv - dv % L;
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int c = 0;
            for (; c + 4 * L <= vectorCols; c += 4 * L) {
                pv4x4(tile, width, i, v, keyRows, from, tileKeys, dv, c, acc, i * dv + c);
            }
            for (; c < vectorCols; c += L) {
                pv4x1(tile, width, i, v, keyRows, from, tileKeys, dv, c, acc, i * dv + c);
            }
        }
        for (; i < count; i++) {
            for (int c = 0; c < vectorCols; c += L) {
                pv1x1(tile, width, i, v, keyRows, from, tileKeys, dv, c, acc, i * dv + c);
            }
        }
        if (vectorCols < dv) {
            for (int q = 0; q < count; q++) {
                scalarColumns(tile, width, q, v, keyRows, from, tileKeys, dv, vectorCols, acc);
            }
        }
    }

    /** Queries i..i+3, value columns c .. c+4L; accumulator rows at o, o+dv, ... */
    private static void pv4x4(float[] tile, int width, int i, float[] v, int[] keyRows, int from, int tileKeys,
            int dv, int c, float[] acc, int o) {
        final int o1 = o + dv;
        final int o2 = o1 + dv;
        final int o3 = o2 + dv;
        FloatVector x00 = FloatVector.fromArray(F, acc, o);
        FloatVector x01 = FloatVector.fromArray(F, acc, o + L);
        FloatVector x02 = FloatVector.fromArray(F, acc, o + 2 * L);
        FloatVector x03 = FloatVector.fromArray(F, acc, o + 3 * L);
        FloatVector x10 = FloatVector.fromArray(F, acc, o1);
        FloatVector x11 = FloatVector.fromArray(F, acc, o1 + L);
        FloatVector x12 = FloatVector.fromArray(F, acc, o1 + 2 * L);
        FloatVector x13 = FloatVector.fromArray(F, acc, o1 + 3 * L);
        FloatVector x20 = FloatVector.fromArray(F, acc, o2);
        FloatVector x21 = FloatVector.fromArray(F, acc, o2 + L);
        FloatVector x22 = FloatVector.fromArray(F, acc, o2 + 2 * L);
        FloatVector x23 = FloatVector.fromArray(F, acc, o2 + 3 * L);
        FloatVector x30 = FloatVector.fromArray(F, acc, o3);
        FloatVector x31 = FloatVector.fromArray(F, acc, o3 + L);
        FloatVector x32 = FloatVector.fromArray(F, acc, o3 + 2 * L);
        FloatVector x33 = FloatVector.fromArray(F, acc, o3 + 3 * L);
        for (int j = 0, po = i; j < tileKeys; j++, po += width) {
            int vb = keyRows[from + j] * dv + c;
            FloatVector v0 = FloatVector.fromArray(F, v, vb);
            FloatVector v1 = FloatVector.fromArray(F, v, vb + L);
            FloatVector v2 = FloatVector.fromArray(F, v, vb + 2 * L);
            FloatVector v3 = FloatVector.fromArray(F, v, vb + 3 * L);
            FloatVector p = FloatVector.broadcast(F, tile[po]);
            x00 = p.fma(v0, x00);
            x01 = p.fma(v1, x01);
            x02 = p.fma(v2, x02);
            x03 = p.fma(v3, x03);
            p = FloatVector.broadcast(F, tile[po + 1]);
            x10 = p.fma(v0, x10);
            x11 = p.fma(v1, x11);
            x12 = p.fma(v2, x12);
            x13 = p.fma(v3, x13);
            p = FloatVector.broadcast(F, tile[po + 2]);
            x20 = p.fma(v0, x20);
            x21 = p.fma(v1, x21);
            x22 = p.fma(v2, x22);
            x23 = p.fma(v3, x23);
            p = FloatVector.broadcast(F, tile[po + 3]);
            x30 = p.fma(v0, x30);
            x31 = p.fma(v1, x31);
            x32 = p.fma(v2, x32);
            x33 = p.fma(v3, x33);
        }
        x00.intoArray(acc, o);
        x01.intoArray(acc, o + L);
        x02.intoArray(acc, o + 2 * L);
        x03.intoArray(acc, o + 3 * L);
        x10.intoArray(acc, o1);
        x11.intoArray(acc, o1 + L);
        x12.intoArray(acc, o1 + 2 * L);
        x13.intoArray(acc, o1 + 3 * L);
        x20.intoArray(acc, o2);
        x21.intoArray(acc, o2 + L);
        x22.intoArray(acc, o2 + 2 * L);
        x23.intoArray(acc, o2 + 3 * L);
        x30.intoArray(acc, o3);
        x31.intoArray(acc, o3 + L);
        x32.intoArray(acc, o3 + 2 * L);
        x33.intoArray(acc, o3 + 3 * L);
    }

    /** Queries i..i+3, value columns c .. c+L. */
    private static void pv4x1(float[] tile, int width, int i, float[] v, int[] keyRows, int from, int tileKeys,
            int dv, int c, float[] acc, int o) {
        FloatVector x0 = FloatVector.fromArray(F, acc, o);
        FloatVector x1 = FloatVector.fromArray(F, acc, o + dv);
        FloatVector x2 = FloatVector.fromArray(F, acc, o + 2 * dv);
        FloatVector x3 = FloatVector.fromArray(F, acc, o + 3 * dv);
        for (int j = 0, po = i; j < tileKeys; j++, po += width) {
            FloatVector v0 = FloatVector.fromArray(F, v, keyRows[from + j] * dv + c);
            x0 = FloatVector.broadcast(F, tile[po]).fma(v0, x0);
            x1 = FloatVector.broadcast(F, tile[po + 1]).fma(v0, x1);
            x2 = FloatVector.broadcast(F, tile[po + 2]).fma(v0, x2);
            x3 = FloatVector.broadcast(F, tile[po + 3]).fma(v0, x3);
        }
        x0.intoArray(acc, o);
        x1.intoArray(acc, o + dv);
        x2.intoArray(acc, o + 2 * dv);
        x3.intoArray(acc, o + 3 * dv);
    }

    /** Query i, value columns c .. c+L. */
    private static void pv1x1(float[] tile, int width, int i, float[] v, int[] keyRows, int from, int tileKeys,
            int dv, int c, float[] acc, int o) {
        FloatVector x0 = FloatVector.fromArray(F, acc, o);
        for (int j = 0, po = i; j < tileKeys; j++, po += width) {
            FloatVector v0 = FloatVector.fromArray(F, v, keyRows[from + j] * dv + c);
            x0 = FloatVector.broadcast(F, tile[po]).fma(v0, x0);
        }
        x0.intoArray(acc, o);
    }

    /** Value columns [firstCol, dv) of query q, which do not fill a vector, in the scalar order. */
    private static void scalarColumns(float[] tile, int width, int q, float[] v, int[] keyRows, int from,
            int tileKeys, int dv, int firstCol, float[] acc) {
        final int ob = q * dv;
        for (int j = 0, po = q; j < tileKeys; j++, po += width) {
            float p = tile[po];
            int vb = keyRows[from + j] * dv;
            for (int c = firstCol; c < dv; c++) {
                acc[ob + c] = Math.fma(p, v[vb + c], acc[ob + c]);
            }
        }
    }
}
