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
            int first = b * side.len();
            squaredNorms(side.x(), first, side.len(), dim, norms[s]);
            float max = 0f;
            for (int i = first, end = first + side.len(); i < end; i++) {
                max = Math.max(max, norms[s][i]);
            }
            maxNorms[s][b] = max;
        });
        // Steps 2-3, one item per (side, row, chunk of tokens).
        float[][] out = {new float[hashes * batch * queries.len()], new float[hashes * batch * keys.len()]};
        int qChunks = ceilDiv(queries.len(), CHUNK);
        int kChunks = ceilDiv(keys.len(), CHUNK);
        int qItems = batch * qChunks;
        pool.run(qItems + batch * kChunks, () -> new float[2 * hashes], (item, h) -> {
            int s = item < qItems ? 0 : 1;
            int local = s == 0 ? item : item - qItems;
            int chunks = s == 0 ? qChunks : kChunks;
            int b = local / chunks;
            Side side = sides[s];
            int from = (local % chunks) * CHUNK;
            int to = Math.min(side.len(), from + CHUNK);
            float sumOfMax = maxNorms[0][b] + maxNorms[1][b];
            int i = from;
            for (; i + 2 <= to; i += 2) {
                int token = b * side.len() + i;
                projectPair(side.x(), token * dim, dim, extension(sumOfMax, norms[s][token]),
                        extension(sumOfMax, norms[s][token + 1]), side.extRow(), a, hashes, h);
                for (int r = 0; r < hashes; r++) {
                    int at = (r * batch + b) * side.len() + i;
                    out[s][at] = h[r];
                    out[s][at + 1] = h[hashes + r];
                }
            }
            for (; i < to; i++) {
                int token = b * side.len() + i;
                project(side.x(), token * dim, dim, extension(sumOfMax, norms[s][token]), side.extRow(), a, hashes, h);
                for (int r = 0; r < hashes; r++) {
                    out[s][(r * batch + b) * side.len() + i] = h[r];
                }
            }
        });
        return out;
    }

    /**
     * {@link #squaredNorm} of tokens {@code first .. first+count} (rows of {@code dim} in x) into
     * {@code out[first ..]}, four tokens at a time: four independent fma chains keep the FMA
     * units busy where one chain waits on each fma's latency; each chain is still the token's
     * own, in ascending c, so the values are those of squaredNorm.
     */
    static void squaredNorms(float[] x, int first, int count, int dim, float[] out) {
        int t = first;
        int end = first + count;
        for (; t + 4 <= end; t += 4) {
            int o0 = t * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            float n0 = 0f;
            float n1 = 0f;
            float n2 = 0f;
            float n3 = 0f;
            for (int c = 0; c < dim; c++) {
                n0 = Math.fma(x[o0 + c], x[o0 + c], n0);
                n1 = Math.fma(x[o1 + c], x[o1 + c], n1);
                n2 = Math.fma(x[o2 + c], x[o2 + c], n2);
                n3 = Math.fma(x[o3 + c], x[o3 + c], n3);
            }
            out[t] = n0;
            out[t + 1] = n1;
            out[t + 2] = n2;
            out[t + 3] = n3;
        }
        for (; t < end; t++) {
            out[t] = squaredNorm(x, t * dim, dim);
        }
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

    /**
     * {@link #project} of two consecutive tokens (rows at {@code offset} and {@code offset + dim})
     * with extensions {@code ext0} and {@code ext1}: rounds four at a time for both tokens, eight
     * independent chains, each in project's order. Writes token 0's hashes to {@code h[0..H)} and
     * token 1's to {@code h[H..2H)}.
     */
    static void projectPair(float[] x, int offset, int dim, float ext0, float ext1, int extRow, float[] a,
            int hashes, float[] h) {
        int second = offset + dim;
        int r = 0;
        for (; r + 4 <= hashes; r += 4) {
            float h0 = 0f;
            float h1 = 0f;
            float h2 = 0f;
            float h3 = 0f;
            float g0 = 0f;
            float g1 = 0f;
            float g2 = 0f;
            float g3 = 0f;
            for (int c = 0, row = r; c < dim; c++, row += hashes) {
                float xc = x[offset + c];
                float yc = x[second + c];
                float a0 = a[row];
                float a1 = a[row + 1];
                float a2 = a[row + 2];
                float a3 = a[row + 3];
                h0 = Math.fma(xc, a0, h0);
                h1 = Math.fma(xc, a1, h1);
                h2 = Math.fma(xc, a2, h2);
                h3 = Math.fma(xc, a3, h3);
                g0 = Math.fma(yc, a0, g0);
                g1 = Math.fma(yc, a1, g1);
                g2 = Math.fma(yc, a2, g2);
                g3 = Math.fma(yc, a3, g3);
            }
            int row = extRow * hashes + r;
            h[r] = Math.fma(ext0, a[row], h0) + 0f;
            h[r + 1] = Math.fma(ext0, a[row + 1], h1) + 0f;
            h[r + 2] = Math.fma(ext0, a[row + 2], h2) + 0f;
            h[r + 3] = Math.fma(ext0, a[row + 3], h3) + 0f;
            h[hashes + r] = Math.fma(ext1, a[row], g0) + 0f;
            h[hashes + r + 1] = Math.fma(ext1, a[row + 1], g1) + 0f;
            h[hashes + r + 2] = Math.fma(ext1, a[row + 2], g2) + 0f;
            h[hashes + r + 3] = Math.fma(ext1, a[row + 3], g3) + 0f;
        }
        for (; r < hashes; r++) {
            float h0 = 0f;
            float g0 = 0f;
            for (int c = 0, row = r; c < dim; c++, row += hashes) {
                h0 = Math.fma(x[offset + c], a[row], h0);
                g0 = Math.fma(x[second + c], a[row], g0);
            }
            int row = extRow * hashes + r;
            h[r] = Math.fma(ext0, a[row], h0) + 0f;
            h[hashes + r] = Math.fma(ext1, a[row], g0) + 0f;
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
