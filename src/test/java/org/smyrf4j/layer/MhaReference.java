package org.smyrf4j.layer;

/**
 * Multi-head attention in float64, written directly from the definition (no blocking, no
 * online softmax), as the oracle the layer is checked against. Masked keys get -infinity; a
 * query without any valid key attends to nothing (0 before the output projection), as the
 * engines do.
 */
public final class MhaReference {

    private MhaReference() {
    }

    /** y (B, N, dmodel) for the layer's weights and inputs, with logit scale {@code scale}. */
    public static double[] forward(AttentionWeights w, int heads, LayerInputs in, double scale) {
        int d = w.modelDim();
        int dh = d / heads;
        int batch = in.batch();
        int n = in.queryLen();
        int m = in.keyLen();
        double[] q = linear(in.x(), batch * n, w.query());
        double[] k = linear(in.keySource(), batch * m, w.key());
        double[] v = linear(in.keySource(), batch * m, w.value());
        double[] merged = new double[batch * n * d];
        double[] logits = new double[m];
        for (int b = 0; b < batch; b++) {
            for (int hh = 0; hh < heads; hh++) {
                for (int i = 0; i < n; i++) {
                    int qi = (b * n + i) * d + hh * dh;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < m; j++) {
                        boolean valid = in.keyValid() == null || in.keyValid()[b * m + j];
                        double dot = 0;
                        int kj = (b * m + j) * d + hh * dh;
                        for (int c = 0; c < dh; c++) {
                            dot += q[qi + c] * k[kj + c];
                        }
                        logits[j] = valid ? scale * dot : Double.NEGATIVE_INFINITY;
                        max = Math.max(max, logits[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue; // no valid key: zeros
                    }
                    double sum = 0;
                    for (int j = 0; j < m; j++) {
                        logits[j] = Math.exp(logits[j] - max);
                        sum += logits[j];
                    }
                    for (int j = 0; j < m; j++) {
                        int vj = (b * m + j) * d + hh * dh;
                        double p = logits[j] / sum;
                        for (int c = 0; c < dh; c++) {
                            merged[qi + c] += p * v[vj + c];
                        }
                    }
                }
            }
        }
        return linear(merged, batch * n, w.output());
    }

    /** x (rows, in) W^T + b in float64. */
    static double[] linear(float[] x, int rows, Linear layer) {
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        return linear(xd, rows, layer);
    }

    static double[] linear(double[] x, int rows, Linear layer) {
        int in = layer.inFeatures();
        int out = layer.outFeatures();
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out; c++) {
                double s = layer.hasBias() ? layer.bias()[c] : 0;
                for (int kk = 0; kk < in; kk++) {
                    s += x[r * in + kk] * (double) layer.weight()[c * in + kk];
                }
                y[r * out + c] = s;
            }
        }
        return y;
    }
}
