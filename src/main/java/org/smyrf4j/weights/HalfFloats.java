package org.smyrf4j.weights;

/**
 * Widening of 16-bit floats to float32, both exact (every f16 and bf16 value is a float32).
 * <ul>
 *   <li>F16 (IEEE binary16): sign 1, exponent 5 (bias 15), mantissa 10;</li>
 *   <li>BF16 (bfloat16): the upper half of a float32, sign 1, exponent 8, mantissa 7.</li>
 * </ul>
 */
final class HalfFloats {

    private static final int F16_EXPONENT_MASK = 0x1F;
    /** float32 bias 127 minus binary16 bias 15. */
    private static final int EXPONENT_REBIAS = 127 - 15;

    private HalfFloats() {
    }

    /** An IEEE binary16 value (low 16 bits of {@code bits}) as float32; infinities and NaNs stay. */
    static float f16ToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & F16_EXPONENT_MASK;
        int mantissa = bits & 0x3FF;
        if (exponent == F16_EXPONENT_MASK) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float32 (a normal number there).
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + EXPONENT_REBIAS) << 23) | (mantissa << 13));
    }

    /** A bfloat16 value (low 16 bits of {@code bits}) as float32. */
    static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
