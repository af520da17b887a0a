package org.smyrf4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlockAttention} on the Vector API (jdk.incubator.vector): the lanes of a vector are
 * consecutive queries of the block, so every reduction over keys or dimensions stays inside a
 * lane and keeps the scalar kernel's order of operations (same bits, see BlockAttention).
 *
 * <ul>
 *   <li>logits: register tiles of 4 keys x 2 query vectors; each query vector load is shared by
 *       4 keys and each broadcast key element by 2 query vectors;</li>
 *   <li>softmax: lanewise max, {@link FastExp}'s polynomial lanewise, lanewise running sum;</li>
 *   <li>P x V: register tiles of 2 queries x 4 value vectors, one broadcast p per query and key.</li>
 * </ul>
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

    @Override
    void logits(BlockScratch s, float[] k, int[] keyRows, int from, int tileKeys) {
        final int d = s.dim;
        final int width = s.width;
        final float[] qt = s.queriesT;
        final float[] tile = s.tile;
        final FloatVector scale = FloatVector.broadcast(F, s.scale);
        int j = 0;
        for (; j + 4 <= tileKeys; j += 4) {
            final int k0 = keyRows[from + j] * d;
            final int k1 = keyRows[from + j + 1] * d;
            final int k2 = keyRows[from + j + 2] * d;
            final int k3 = keyRows[from + j + 3] * d;
            int i = 0;
            for (; i + 2 * L <= width; i += 2 * L) {
                FloatVector a00 = FloatVector.zero(F);
                FloatVector a01 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F);
                FloatVector a11 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F);
                FloatVector a21 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F);
                FloatVector a31 = FloatVector.zero(F);
                for (int c = 0, qo = i; c < d; c++, qo += width) {
                    FloatVector q0 = FloatVector.fromArray(F, qt, qo);
                    FloatVector q1 = FloatVector.fromArray(F, qt, qo + L);
                    FloatVector b = FloatVector.broadcast(F, k[k0 + c]);
                    a00 = q0.fma(b, a00);
                    a01 = q1.fma(b, a01);
                    b = FloatVector.broadcast(F, k[k1 + c]);
                    a10 = q0.fma(b, a10);
                    a11 = q1.fma(b, a11);
                    b = FloatVector.broadcast(F, k[k2 + c]);
                    a20 = q0.fma(b, a20);
                    a21 = q1.fma(b, a21);
                    b = FloatVector.broadcast(F, k[k3 + c]);
                    a30 = q0.fma(b, a30);
                    a31 = q1.fma(b, a31);
                }
                int o = j * width + i;
                a00.mul(scale).intoArray(tile, o);
                a01.mul(scale).intoArray(tile, o + L);
                a10.mul(scale).intoArray(tile, o + width);
                a11.mul(scale).intoArray(tile, o + width + L);
                a20.mul(scale).intoArray(tile, o + 2 * width);
                a21.mul(scale).intoArray(tile, o + 2 * width + L);
                a30.mul(scale).intoArray(tile, o + 3 * width);
                a31.mul(scale).intoArray(tile, o + 3 * width + L);
            }
            for (; i < width; i += L) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                FloatVector a3 = FloatVector.zero(F);
                for (int c = 0, qo = i; c < d; c++, qo += width) {
                    FloatVector q0 = FloatVector.fromArray(F, qt, qo);
                    a0 = q0.fma(FloatVector.broadcast(F, k[k0 + c]), a0);
                    a1 = q0.fma(FloatVector.broadcast(F, k[k1 + c]), a1);
                    a2 = q0.fma(FloatVector.broadcast(F, k[k2 + c]), a2);
                    a3 = q0.fma(FloatVector.broadcast(F, k[k3 + c]), a3);
                }
                int o = j * width + i;
                a0.mul(scale).intoArray(tile, o);
                a1.mul(scale).intoArray(tile, o + width);
                a2.mul(scale).intoArray(tile, o + 2 * width);
                a3.mul(scale).intoArray(tile, o + 3 * width);
            }
        }
        for (; j < tileKeys; j++) {
            final int k0 = keyRows[from + j] * d;
            for (int i = 0; i < width; i += L) {
                FloatVector a0 = FloatVector.zero(F);
                for (int c = 0, qo = i; c < d; c++, qo += width) {
                    a0 = FloatVector.fromArray(F, qt, qo).fma(FloatVector.broadcast(F, k[k0 + c]), a0);
                }
                a0.mul(scale).intoArray(tile, j * width + i);
            }
        }
    }

    @Override
    void softmaxTile(BlockScratch s, int tileKeys) {
        final int width = s.width;
        final float[] tile = s.tile;
        for (int i = 0; i < width; i += L) {
            FloatVector tileMax = FloatVector.fromArray(F, tile, i);
            for (int j = 1, o = i + width; j < tileKeys; j++, o += width) {
                tileMax = tileMax.max(FloatVector.fromArray(F, tile, o));
            }
            FloatVector oldMax = FloatVector.fromArray(F, s.max, i);
            FloatVector newMax = oldMax.max(tileMax);
            FloatVector alpha = exp(oldMax.sub(newMax));
            FloatVector total = FloatVector.fromArray(F, s.sum, i).mul(alpha);
            for (int j = 0, o = i; j < tileKeys; j++, o += width) {
                FloatVector p = exp(FloatVector.fromArray(F, tile, o).sub(newMax));
                p.intoArray(tile, o);
                total = total.add(p);
            }
            newMax.intoArray(s.max, i);
            alpha.intoArray(s.alpha, i);
            total.intoArray(s.sum, i);
        }
    }

    @Override
    void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys) {
        final int dv = s.valueDim;
        final int width = s.width;
        final float[] tile = s.tile;
        final float[] acc = s.acc;
        final int count = s.count;
        final int vectorCols = dv - dv % L;
        int i = 0;
        for (; i + 2 <= count; i += 2) {
            final int o0 = i * dv;
            final int o1 = o0 + dv;
            int c = 0;
            for (; c + 4 * L <= vectorCols; c += 4 * L) {
                FloatVector x00 = FloatVector.fromArray(F, acc, o0 + c);
                FloatVector x01 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector x02 = FloatVector.fromArray(F, acc, o0 + c + 2 * L);
                FloatVector x03 = FloatVector.fromArray(F, acc, o0 + c + 3 * L);
                FloatVector x10 = FloatVector.fromArray(F, acc, o1 + c);
                FloatVector x11 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector x12 = FloatVector.fromArray(F, acc, o1 + c + 2 * L);
                FloatVector x13 = FloatVector.fromArray(F, acc, o1 + c + 3 * L);
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
                }
                x00.intoArray(acc, o0 + c);
                x01.intoArray(acc, o0 + c + L);
                x02.intoArray(acc, o0 + c + 2 * L);
                x03.intoArray(acc, o0 + c + 3 * L);
                x10.intoArray(acc, o1 + c);
                x11.intoArray(acc, o1 + c + L);
                x12.intoArray(acc, o1 + c + 2 * L);
                x13.intoArray(acc, o1 + c + 3 * L);
            }
            for (; c < vectorCols; c += L) {
                FloatVector x0 = FloatVector.fromArray(F, acc, o0 + c);
                FloatVector x1 = FloatVector.fromArray(F, acc, o1 + c);
                for (int j = 0, po = i; j < tileKeys; j++, po += width) {
                    FloatVector v0 = FloatVector.fromArray(F, v, keyRows[from + j] * dv + c);
                    x0 = FloatVector.broadcast(F, tile[po]).fma(v0, x0);
                    x1 = FloatVector.broadcast(F, tile[po + 1]).fma(v0, x1);
                }
                x0.intoArray(acc, o0 + c);
                x1.intoArray(acc, o1 + c);
            }
            scalarColumns(s, v, keyRows, from, tileKeys, i, vectorCols);
            scalarColumns(s, v, keyRows, from, tileKeys, i + 1, vectorCols);
        }
        for (; i < count; i++) {
            final int o0 = i * dv;
            for (int c = 0; c < vectorCols; c += L) {
                FloatVector x0 = FloatVector.fromArray(F, acc, o0 + c);
                for (int j = 0, po = i; j < tileKeys; j++, po += width) {
                    FloatVector v0 = FloatVector.fromArray(F, v, keyRows[from + j] * dv + c);
                    x0 = FloatVector.broadcast(F, tile[po]).fma(v0, x0);
                }
                x0.intoArray(acc, o0 + c);
            }
            scalarColumns(s, v, keyRows, from, tileKeys, i, vectorCols);
        }
    }

    /** The value columns [firstCol, dv) that do not fill a vector, in the scalar order. */
    private static void scalarColumns(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys,
            int query, int firstCol) {
        final int dv = s.valueDim;
        if (firstCol == dv) {
            return;
        }
        final float[] acc = s.acc;
        final int ob = query * dv;
        for (int j = 0, po = query; j < tileKeys; j++, po += s.width) {
            float p = s.tile[po];
            int vb = keyRows[from + j] * dv;
            for (int c = firstCol; c < dv; c++) {
                acc[ob + c] = Math.fma(p, v[vb + c], acc[ob + c]);
            }
        }
    }

    /** {@link FastExp#exp} lane by lane, the same operations in the same order. */
    private static FloatVector exp(FloatVector x) {
        VectorMask<Float> inRange = x.compare(VectorOperators.GE, FastExp.CUTOFF);
        FloatVector t = x.fma(FloatVector.broadcast(F, FastExp.LOG2E), FloatVector.broadcast(F, FastExp.ROUND_MAGIC));
        FloatVector n = t.sub(FastExp.ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -FastExp.LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -FastExp.LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, FastExp.C7).fma(r, FloatVector.broadcast(F, FastExp.C6));
        p = p.fma(r, FloatVector.broadcast(F, FastExp.C5));
        p = p.fma(r, FloatVector.broadcast(F, FastExp.C4));
        p = p.fma(r, FloatVector.broadcast(F, FastExp.C3));
        p = p.fma(r, FloatVector.broadcast(F, FastExp.C2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        IntVector bits = (IntVector) t.reinterpretAsInts();
        FloatVector twoToN = bits.add(FastExp.EXPONENT_BIAS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return FloatVector.zero(F).blend(p.mul(twoToN), inRange);
    }
}
