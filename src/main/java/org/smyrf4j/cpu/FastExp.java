package org.smyrf4j.cpu;

/**
 * The exponential the softmax uses, for arguments {@code x <= 0} (logit minus row maximum).
 *
 * <p>{@code e^x = 2^n * e^r} with {@code n = rint(x / ln 2)} and {@code r = x - n ln 2} in
 * [-ln2/2, ln2/2]; {@code e^r} is its Taylor polynomial of degree 7 (truncation below 6e-9
 * relative, so the result is within about 2 ulp of e^x). Arguments below {@link #CUTOFF},
 * -infinity included, give exactly 0: such a term is below 1e-37 while the row's largest term
 * is 1, so dropping it cannot change a float sum.
 *
 * <p>Every operation is spelled out (fma, add, multiply, bit moves) so that
 * {@code VectorBlockAttention} can apply the identical sequence lane by lane: the scalar and
 * vector kernels then produce the same bits. Faster than {@code (float) Math.exp(x)} and, unlike
 * an intrinsic, the same on every JVM and in the interpreter.
 */
final class FastExp {

    /** Below this the result is 0 (e^-87 = 1.6e-38, near the smallest normal float). */
    static final float CUTOFF = -87.0f;
    static final float LOG2E = 1.44269504f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    static final float ROUND_MAGIC = 12582912.0f;
    /** ln 2 split in a short high part (n * LN2_HI is exact for |n| < 2^15) and the rest. */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** 1/k! for k = 7 down to 2; the k = 1 and k = 0 terms are 1. */
    static final float C7 = 1.98412698e-4f;
    static final float C6 = 1.38888889e-3f;
    static final float C5 = 8.33333333e-3f;
    static final float C4 = 4.16666667e-2f;
    static final float C3 = 1.66666667e-1f;
    static final float C2 = 0.5f;
    /** Float exponent bias; {@code (bits(t) + BIAS) << 23} is 2^n (only n's low bits survive the shift). */
    static final int EXPONENT_BIAS = 127;

    private FastExp() {
    }

    /** e^x for x <= 0; 0 below {@link #CUTOFF}. */
    static float exp(float x) {
        if (!(x >= CUTOFF)) {
            return 0f;
        }
        float t = Math.fma(x, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(t) + EXPONENT_BIAS) << 23);
        return p * twoToN;
    }
}
