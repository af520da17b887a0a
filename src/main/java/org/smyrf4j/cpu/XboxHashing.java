package org.smyrf4j.cpu;

/**
 * SPEC steps 1-3: the XBOX+ asymmetric extension and the hash values of every query and key.
 *
 * <p>For batch row b, with {@code n2(x) = |x|^2}, {@code MQ2 = max_i n2(q_i)},
 * {@code MK2 = max_j n2(k_j)} (over every token of the row, masked ones too) and
 * {@code ext(x) = sqrt(max((MQ2 + MK2) - n2(x), 0))}:
 * <pre>
 *   hq[r][b][i] = F(q_i) . A[:, r],  F(q) = [q, 0, ext(q)]   (ext meets row d+1 of A)
 *   hk[r][b][j] = G(k_j) . A[:, r],  G(k) = [k, ext(k), 0]   (ext meets row d of A)
 * </pre>
 * evaluated exactly as docs/kernels.md "Exact hashing" prescribes (fma in ascending c, the sum
 * (MQ2 + MK2) formed first, correctly rounded sqrt, then {@code + 0f} so that -0 becomes +0), so
 * that the GPU reproduces these floats, and with them the orders of step 4, bit for bit.
 * Shapes: hashes (H, B, N) for each side; A is (d+2, H) row-major.
 */
final class XboxHashing {

    /** Tokens per work item of the hashing stage. */
    private static final int CHUNK = 1024;

    /** One side's tokens: queries (ext in row d+1 of A) or keys (ext in row d). */
    record Side(float[] x, int len, int extRow) {
    }

    private XboxHashing() {
    }

    /**
     * Hash values of both sides, {@code result[s]} (H, B, len_s) for side s.
     *
     * @param queries the queries Q (B, Nq, d), ext row d+1
     * @param keys the keys K (B, Nk, d), ext row d
     * @param a the projections, (d+2, hashes) row-major
     */
    static float[][] hash(WorkerPool pool, int batch, int dim, int hashes, float[] a, Side queries, Side keys) {
        Side[] sides = {queries, keys};
        float[][] norms = new float[2][];
        float[][] maxNorms = new float[2][batch];
        for (int s = 0; s < 2; s++) {
            norms[s] = new float[batch * sides[s].len()];
        }
        // Step 1: n2 of every token and the row maxima, one item per (side, row).
        pool.run(2 * batch, () -> null, (item, unused) -> {
            int s = item / batch;
            int b = item % batch;
            Side side = sides[s];
            float max = 0f;
            for (int i = b * side.len(), end = i + side.len(); i < end; i++) {
                float n2 = squaredNorm(side.x(), i * dim, dim);
                norms[s][i] = n2;
                max = Math.max(max, n2);
            }
            maxNorms[s][b] = max;
        });
        // Steps 2-3, one item per (side, row, chunk of tokens).
        float[][] out = {new float[hashes * batch * queries.len()], new float[hashes * batch * keys.len()]};
        int qChunks = ceilDiv(queries.len(), CHUNK);
        int kChunks = ceilDiv(keys.len(), CHUNK);
        int qItems = batch * qChunks;
        pool.run(qItems + batch * kChunks, () -> new float[hashes], (item, h) -> {
            int s = item < qItems ? 0 : 1;
            int local = s == 0 ? item : item - qItems;
            int chunks = s == 0 ? qChunks : kChunks;
            int b = local / chunks;
            Side side = sides[s];
            int from = (local % chunks) * CHUNK;
            int to = Math.min(side.len(), from + CHUNK);
            float sumOfMax = maxNorms[0][b] + maxNorms[1][b];
            for (int i = from; i < to; i++) {
                int token = b * side.len() + i;
                float ext = extension(sumOfMax, norms[s][token]);
                project(side.x(), token * dim, dim, ext, side.extRow(), a, hashes, h);
                for (int r = 0; r < hashes; r++) {
                    out[s][(r * batch + b) * side.len() + i] = h[r];
                }
            }
        });
        return out;
    }

    /** {@code n2(x) = fma(x[d-1], x[d-1], ... fma(x[0], x[0], 0))}. */
    static float squaredNorm(float[] x, int offset, int dim) {
        float acc = 0f;
        for (int c = 0; c < dim; c++) {
            acc = Math.fma(x[offset + c], x[offset + c], acc);
        }
        return acc;
    }

    /**
     * {@code sqrt(max(sumOfMax - n2, 0))}, sumOfMax = MQ2 + MK2. The clamp maps NaN (from
     * inf - inf) to 0 like CUDA's fmaxf; the double square root rounded to float is the
     * correctly rounded float square root.
     */
    static float extension(float sumOfMax, float n2) {
        float t = sumOfMax - n2;
        return (float) Math.sqrt(t > 0f ? t : 0f);
    }

    /**
     * Hash values of one token for every round r: {@code h = fma(x[c], A[c*H + r], h)} over c
     * ascending from 0, then {@code h = fma(ext, A[extRow*H + r], h)}, then {@code h + 0f}.
     * Rounds run four at a time in registers (independent chains, so the FMA latency overlaps),
     * each keeping exactly that order.
     */
    static void project(float[] x, int offset, int dim, float ext, int extRow, float[] a, int hashes, float[] h) {
        int r = 0;
        for (; r + 4 <= hashes; r += 4) {
            float h0 = 0f;
            float h1 = 0f;
            float h2 = 0f;
            float h3 = 0f;
            for (int c = 0, row = r; c < dim; c++, row += hashes) {
                float xc = x[offset + c];
                h0 = Math.fma(xc, a[row], h0);
                h1 = Math.fma(xc, a[row + 1], h1);
                h2 = Math.fma(xc, a[row + 2], h2);
                h3 = Math.fma(xc, a[row + 3], h3);
            }
            int row = extRow * hashes + r;
            h[r] = Math.fma(ext, a[row], h0) + 0f;
            h[r + 1] = Math.fma(ext, a[row + 1], h1) + 0f;
            h[r + 2] = Math.fma(ext, a[row + 2], h2) + 0f;
            h[r + 3] = Math.fma(ext, a[row + 3], h3) + 0f;
        }
        for (; r < hashes; r++) {
            float h0 = 0f;
            for (int c = 0, row = r; c < dim; c++, row += hashes) {
                h0 = Math.fma(x[offset + c], a[row], h0);
            }
            h[r] = Math.fma(ext, a[extRow * hashes + r], h0) + 0f;
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
