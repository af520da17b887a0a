package org.smyrf4j.layer;

/**
 * {@link GemmKernel} in plain Java, for JVMs without the Vector API: dot products of x rows
 * with the unpacked weight rows, two rows by four columns at a time (eight independent fma
 * chains, each x and W value loaded once per tile). {@code Math.fma} keeps the vector kernel's bits; it is an intrinsic on CPUs with
 * FMA and exact, but slow, elsewhere.
 */
final class ScalarGemmKernel extends GemmKernel {

    /** Columns per panel: only sets the work-item granularity, the loops do not depend on it. */
    static final int PANEL_WIDTH = 16;

    @Override
    String name() {
        return "scalar";
    }

    @Override
    int panelWidth() {
        return PANEL_WIDTH;
    }

    @Override
    Packed pack(float[] weight, float[] bias, int out, int in) {
        return new Packed(weight, bias == null ? new float[out] : bias, out, in, ceilDiv(out, PANEL_WIDTH));
    }

    @Override
    void compute(float[] x, Packed w, float[] y, int r0, int r1, int p0, int p1) {
        final int in = w.in();
        final int out = w.out();
        int c0 = p0 * PANEL_WIDTH;
        int c1 = Math.min(out, p1 * PANEL_WIDTH);
        int r = r0;
        for (; r + 2 <= r1; r += 2) {
            int c = c0;
            for (; c + 4 <= c1; c += 4) {
                tile2x4(x, w.data(), w.bias(), y, in, out, r, c);
            }
            for (; c < c1; c++) {
                y[r * out + c] = chain(x, r * in, w.data(), c * in, in, w.bias()[c]);
                y[(r + 1) * out + c] = chain(x, (r + 1) * in, w.data(), c * in, in, w.bias()[c]);
            }
        }
        for (; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                y[r * out + c] = chain(x, r * in, w.data(), c * in, in, w.bias()[c]);
            }
        }
    }

    /** Rows r, r+1 by columns c .. c+3: eight independent chains, enough to keep two FMA units busy. */
    private static void tile2x4(float[] x, float[] wt, float[] b, float[] y, int in, int out, int r, int c) {
        float a00 = b[c];
        float a01 = b[c + 1];
        float a02 = b[c + 2];
        float a03 = b[c + 3];
        float a10 = a00;
        float a11 = a01;
        float a12 = a02;
        float a13 = a03;
        int x0 = r * in;
        int x1 = x0 + in;
        int w0 = c * in;
        int w1 = w0 + in;
        int w2 = w1 + in;
        int w3 = w2 + in;
        for (int k = 0; k < in; k++) {
            float u = x[x0 + k];
            float v = x[x1 + k];
            float p = wt[w0 + k];
            float q = wt[w1 + k];
            float s = wt[w2 + k];
            float t = wt[w3 + k];
            a00 = Math.fma(u, p, a00);
            a01 = Math.fma(u, q, a01);
            a02 = Math.fma(u, s, a02);
            a03 = Math.fma(u, t, a03);
            a10 = Math.fma(v, p, a10);
            a11 = Math.fma(v, q, a11);
            a12 = Math.fma(v, s, a12);
            a13 = Math.fma(v, t, a13);
        }
        int y0 = r * out + c;
        int y1 = y0 + out;
        y[y0] = a00;
        y[y0 + 1] = a01;
        y[y0 + 2] = a02;
        y[y0 + 3] = a03;
        y[y1] = a10;
        y[y1 + 1] = a11;
        y[y1 + 2] = a12;
        y[y1 + 3] = a13;
    }

    /** One element: bias, then x[r, k] * W[c, k] for k ascending, fused. */
    private static float chain(float[] x, int xr, float[] wt, int wc, int in, float bias) {
        float a = bias;
        for (int k = 0; k < in; k++) {
            a = Math.fma(x[xr + k], wt[wc + k], a);
        }
        return a;
    }
}
