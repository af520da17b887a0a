package org.smyrf4j.layer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmKernel} on the Vector API (SPECIES_PREFERRED, L lanes), in the broadcast form
 * that needs no horizontal sums: lanes are output columns, so each lane carries one element's
 * fma chain over k in the scalar kernel's order (same bits).
 *
 * <ul>
 *   <li>Packing: W^T in panels of {@link #NR} = 2L columns, panel p at [p*in*NR, (p+1)*in*NR),
 *       {@code packed[(p*in + k)*NR + j] = W[p*NR + j, k]}; columns past {@code out} are 0.
 *       One pass over W per call: O(out*in) against the product's O(rows*out*in).</li>
 *   <li>Register tile: {@link #MR} rows by 2 vectors (12 accumulators, 2 panel loads and one
 *       broadcast live: 15 registers, so AVX2's 16 hold it too). Per k: 2 loads, 6 broadcasts,
 *       12 fma.</li>
 *   <li>Cache blocking: k in slices of {@link #KC}, so a panel slice (KC x NR floats, 16 KiB
 *       at L = 16) stays in L1 while the rows of the block stream past it; the accumulators
 *       go through y between slices, which keeps the chain's bits.</li>
 *   <li>Edges: remaining rows one at a time (1 x 2 vectors); a partial last panel per element
 *       with the scalar chain.</li>
 * </ul>
 * Loaded only by reflection when the module is present (see {@link GemmKernels}).
 */
final class VectorGemmKernel extends GemmKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Columns per panel: two vectors. */
    static final int NR = 2 * L;
    /** Rows per register tile. */
    static final int MR = 6;
    /** Depth of a k slice. */
    static final int KC = 128;

    @Override
    String name() {
        return "vector-" + F.vectorBitSize() + "bit";
    }

    @Override
    int panelWidth() {
        return NR;
    }

    @Override
    Packed pack(float[] weight, float[] bias, int out, int in) {
        int panels = ceilDiv(out, NR);
        float[] data = new float[Math.multiplyExact(panels * in, NR)];
        float[] paddedBias = new float[panels * NR];
        for (int c = 0; c < out; c++) {
            int base = (c / NR) * in * NR + c % NR;
            int wc = c * in;
            for (int k = 0; k < in; k++) {
                data[base + k * NR] = weight[wc + k];
            }
            paddedBias[c] = bias == null ? 0f : bias[c];
        }
        return new Packed(data, paddedBias, out, in, panels);
    }

    @Override
    void compute(float[] x, Packed w, float[] y, int r0, int r1, int p0, int p1) {
        final int in = w.in();
        final int out = w.out();
        for (int k0 = 0; k0 < in; k0 += KC) {
            int k1 = Math.min(in, k0 + KC);
            boolean first = k0 == 0;
            for (int p = p0; p < p1; p++) {
                int c = p * NR;
                int panel = p * in * NR;
                if (c + NR > out) {
                    partialPanel(x, w, y, r0, r1, c, panel, k0, k1, first);
                    continue;
                }
                int r = r0;
                for (; r + MR <= r1; r += MR) {
                    tile6(x, in, w.data(), panel, w.bias(), y, out, r, c, k0, k1, first);
                }
                for (; r < r1; r++) {
                    tile1(x, in, w.data(), panel, w.bias(), y, out, r, c, k0, k1, first);
                }
            }
        }
    }

    /** Rows r .. r+5, columns c .. c+NR, over k in [k0, k1). */
    private static void tile6(float[] x, int in, float[] pw, int panel, float[] bias, float[] y, int out, int r,
            int c, int k0, int k1, boolean first) {
        int y0 = r * out + c;
        int y1 = y0 + out;
        int y2 = y1 + out;
        int y3 = y2 + out;
        int y4 = y3 + out;
        int y5 = y4 + out;
        FloatVector a00;
        FloatVector a01;
        FloatVector a10;
        FloatVector a11;
        FloatVector a20;
        FloatVector a21;
        FloatVector a30;
        FloatVector a31;
        FloatVector a40;
        FloatVector a41;
        FloatVector a50;
        FloatVector a51;
        if (first) {
            FloatVector b0 = FloatVector.fromArray(F, bias, c);
            FloatVector b1 = FloatVector.fromArray(F, bias, c + L);
            a00 = b0; a10 = b0; a20 = b0; a30 = b0; a40 = b0; a50 = b0;
            a01 = b1; a11 = b1; a21 = b1; a31 = b1; a41 = b1; a51 = b1;
        } else {
            a00 = FloatVector.fromArray(F, y, y0);
            a01 = FloatVector.fromArray(F, y, y0 + L);
            a10 = FloatVector.fromArray(F, y, y1);
            a11 = FloatVector.fromArray(F, y, y1 + L);
            a20 = FloatVector.fromArray(F, y, y2);
            a21 = FloatVector.fromArray(F, y, y2 + L);
            a30 = FloatVector.fromArray(F, y, y3);
            a31 = FloatVector.fromArray(F, y, y3 + L);
            a40 = FloatVector.fromArray(F, y, y4);
            a41 = FloatVector.fromArray(F, y, y4 + L);
            a50 = FloatVector.fromArray(F, y, y5);
            a51 = FloatVector.fromArray(F, y, y5 + L);
        }
        int x0 = r * in;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        for (int k = k0; k < k1; k++) {
            int pk = panel + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, pw, pk);
            FloatVector w1 = FloatVector.fromArray(F, pw, pk + L);
            FloatVector xv = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(xv, a00);
            a01 = w1.fma(xv, a01);
            xv = FloatVector.broadcast(F, x[x1 + k]);
            a10 = w0.fma(xv, a10);
            a11 = w1.fma(xv, a11);
            xv = FloatVector.broadcast(F, x[x2 + k]);
            a20 = w0.fma(xv, a20);
            a21 = w1.fma(xv, a21);
            xv = FloatVector.broadcast(F, x[x3 + k]);
            a30 = w0.fma(xv, a30);
            a31 = w1.fma(xv, a31);
            xv = FloatVector.broadcast(F, x[x4 + k]);
            a40 = w0.fma(xv, a40);
            a41 = w1.fma(xv, a41);
            xv = FloatVector.broadcast(F, x[x5 + k]);
            a50 = w0.fma(xv, a50);
            a51 = w1.fma(xv, a51);
        }
        a00.intoArray(y, y0);
        a01.intoArray(y, y0 + L);
        a10.intoArray(y, y1);
        a11.intoArray(y, y1 + L);
        a20.intoArray(y, y2);
        a21.intoArray(y, y2 + L);
        a30.intoArray(y, y3);
        a31.intoArray(y, y3 + L);
        a40.intoArray(y, y4);
        a41.intoArray(y, y4 + L);
        a50.intoArray(y, y5);
        a51.intoArray(y, y5 + L);
    }

    /** Row r, columns c .. c+NR, over k in [k0, k1). */
    private static void tile1(float[] x, int in, float[] pw, int panel, float[] bias, float[] y, int out, int r,
            int c, int k0, int k1, boolean first) {
        int y0 = r * out + c;
        FloatVector a0 = first ? FloatVector.fromArray(F, bias, c) : FloatVector.fromArray(F, y, y0);
        FloatVector a1 = first ? FloatVector.fromArray(F, bias, c + L) : FloatVector.fromArray(F, y, y0 + L);
        int x0 = r * in;
        for (int k = k0; k < k1; k++) {
            int pk = panel + k * NR;
            FloatVector xv = FloatVector.broadcast(F, x[x0 + k]);
            a0 = FloatVector.fromArray(F, pw, pk).fma(xv, a0);
            a1 = FloatVector.fromArray(F, pw, pk + L).fma(xv, a1);
        }
        a0.intoArray(y, y0);
        a1.intoArray(y, y0 + L);
    }

    /** The last panel when out is not a multiple of NR: each element's chain in scalar code. */
    private static void partialPanel(float[] x, Packed w, float[] y, int r0, int r1, int c, int panel, int k0,
            int k1, boolean first) {
        int in = w.in();
        int out = w.out();
        float[] pw = w.data();
        for (int r = r0; r < r1; r++) {
            int xr = r * in;
            for (int j = 0; c + j < out; j++) {
                int yi = r * out + c + j;
                float acc = first ? w.bias()[c + j] : y[yi];
                for (int k = k0; k < k1; k++) {
                    acc = Math.fma(x[xr + k], pw[panel + k * NR + j], acc);
                }
                y[yi] = acc;
            }
        }
    }
}
