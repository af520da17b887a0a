package org.smyrf4j.layer;

/**
 * The inner loops of {@link CpuGemm}: one block of y, rows [r0, r1) by the columns of panels
 * [p0, p1), where a panel is {@link #panelWidth()} consecutive columns (output features).
 *
 * <p>Every kernel computes each element with the same float operations in the same order,
 * <pre>
 *   acc = b[c];  for k = 0 .. in-1:  acc = fma(x[r, k], W[c, k], acc);  y[r, c] = acc
 * </pre>
 * (b = 0 without a bias). So an element's bits depend on neither the kernel, nor the block it
 * falls in, nor the thread that ran it: the vector and scalar kernels agree bit for bit, and a
 * row gives the same result alone as inside a batch.
 */
abstract class GemmKernel {

    /** The weights laid out as {@link #compute} reads them. */
    record Packed(float[] data, float[] bias, int out, int in, int panels) {
    }

    abstract String name();

    /** Columns per panel; work items cover whole panels. */
    abstract int panelWidth();

    /** The weights (out, in) and bias (out, or null for zeros) in this kernel's layout. */
    abstract Packed pack(float[] weight, float[] bias, int out, int in);

    /** y[r, c] for r in [r0, r1) and c in the panels [p0, p1) (clipped to out). */
    abstract void compute(float[] x, Packed w, float[] y, int r0, int r1, int p0, int p1);

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
