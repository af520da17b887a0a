package org.smyrf4j.layer;

/**
 * {@link GemmKernel} in plain Java, for JVMs without the Vector API: dot products of x rows
 * with the unpacked weight rows, one row by four columns at a time (four independent fma
 * chains). {@code Math.fma} keeps the vector kernel's bits; it is an intrinsic on CPUs with
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
        final float[] wt = w.data();
        final float[] b = w.bias();
        int c0 = p0 * PANEL_WIDTH;
        int c1 = Math.min(out, p1 * PANEL_WIDTH);
        for (int r = r0; r < r1; r++) {
            int xr = r * in;
            int yr = r * out;
            int c = c0;
            for (; c + 4 <= c1; c += 4) {
                float a0 = b[c];
                float a1 = b[c + 1];
                float a2 = b[c + 2];
                float a3 = b[c + 3];
                int w0 = c * in;
                int w1 = w0 + in;
                int w2 = w1 + in;
                int w3 = w2 + in;
                for (int k = 0; k < in; k++) {
                    float xv = x[xr + k];
                    a0 = Math.fma(xv, wt[w0 + k], a0);
                    a1 = Math.fma(xv, wt[w1 + k], a1);
                    a2 = Math.fma(xv, wt[w2 + k], a2);
                    a3 = Math.fma(xv, wt[w3 + k], a3);
                }
                y[yr + c] = a0;
                y[yr + c + 1] = a1;
                y[yr + c + 2] = a2;
                y[yr + c + 3] = a3;
            }
            for (; c < c1; c++) {
                float a = b[c];
                int wc = c * in;
                for (int k = 0; k < in; k++) {
                    a = Math.fma(x[xr + k], wt[wc + k], a);
                }
                y[yr + c] = a;
            }
        }
    }
}
