package org.smyrf4j;

/**
 * Every intermediate stage of one SMYRF call, for checking engines against each other stage by
 * stage. Layouts (row-major; H rounds, B batch rows, Nq'/Nk' the padded lengths of the plan):
 * <ul>
 *   <li>{@code queryHashes} (H, B, Nq) and {@code keyHashes} (H, B, Nk): SPEC step 3;</li>
 *   <li>{@code queryOrder} (H, B, Nq') and {@code keyOrder} (H, B, Nk'): SPEC step 4, original
 *       indices in sorted order, placeholders (index >= Nq or >= Nk) last;</li>
 *   <li>{@code roundOutputs} (H, B, Nq, dv) and {@code roundLse} (H, B, Nq): SPEC step 6 at the
 *       queries' original positions; with a local window ({@link AttentionConfig#localWindow()}),
 *       (H+1, ...): the window round after the hash rounds;</li>
 *   <li>{@code output} (B, Nq, dv): SPEC step 7.</li>
 * </ul>
 */
public record SmyrfTrace(ClusterPlan plan, float[] queryHashes, float[] keyHashes, int[] queryOrder,
        int[] keyOrder, float[] roundOutputs, float[] roundLse, float[] output) {
}
