package org.smyrf4j.bert;

/**
 * The error function for GELU, to about 1.2e-7 absolute: enough for float32 activations and
 * far faster than commons-math3's series (BERT-base evaluates it 75 million times a pass).
 *
 * <p>Numerical Recipes' erfc Chebyshev fit: with t = 1 / (1 + |x|/2),
 * {@code erfc(|x|) = t exp(-x^2 + P(t))}, P a degree-9 polynomial; erf = 1 - erfc, odd in x.
 */
final class Erf {

    private Erf() {
    }

    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double p = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        double erfc = t * Math.exp(p);
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
