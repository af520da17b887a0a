package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.smyrf4j.ClusterPlan;

/**
 * The packed signatures of {@link UnionCounts} count exactly the rounds in which a query and a
 * key share a cluster, for any number of rounds (unused lanes never match) and with 16-bit lanes
 * as well as 32-bit ones (more than 32765 clusters).
 */
class UnionCountsTest {

    @Property(tries = 40, seed = "31")
    void signaturesCountSharedRounds(@ForAll @IntRange(min = 1, max = 11) int hashes,
            @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 300) int len,
            @ForAll @IntRange(min = 1, max = 40) int clusterSize, @ForAll long seed) {
        check(new SplittableRandom(seed), hashes, batch, ClusterPlan.resolve(len, len, clusterSize, null));
    }

    @Property(tries = 3, seed = "32")
    void manyClustersUseWideLanes(@ForAll @IntRange(min = 1, max = 6) int hashes, @ForAll long seed) {
        ClusterPlan plan = ClusterPlan.resolve(40000, 40000, 1, null);
        check(new SplittableRandom(seed), hashes, 1, plan);
    }

    private static void check(SplittableRandom random, int hashes, int batch, ClusterPlan plan) {
        int nq = plan.queryLen();
        int nk = plan.keyLen();
        int[] queryOrder = orders(random, hashes * batch, plan.paddedQueryLen());
        int[] keyOrder = orders(random, hashes * batch, plan.paddedKeyLen());
        UnionCounts counts = new UnionCounts(hashes, batch, nq, nk, plan, queryOrder, keyOrder);
        long[] q = new long[counts.words()];
        long[] k = new long[counts.words() * 2];
        for (int trial = 0; trial < 200; trial++) {
            int b = random.nextInt(batch);
            int i = random.nextInt(nq);
            int j = random.nextInt(nk);
            counts.querySignature(b, i, q);
            counts.keySignature(b, j, k, 1);
            int expected = 0;
            for (int r = 0; r < hashes; r++) {
                int segment = r * batch + b;
                expected += position(queryOrder, segment, plan.paddedQueryLen(), i) / plan.queryClusterSize()
                        == position(keyOrder, segment, plan.paddedKeyLen(), j) / plan.keyClusterSize() ? 1 : 0;
            }
            assertEquals(expected, counts.sharedRounds(q, k, 1),
                    "H=" + hashes + " " + plan + " row " + b + " query " + i + " key " + j);
        }
    }

    /** A random permutation of [0, padded) per segment, with a common prefix bias so that ids often agree. */
    private static int[] orders(SplittableRandom random, int segments, int padded) {
        int[] order = new int[segments * padded];
        for (int s = 0; s < segments; s++) {
            for (int p = 0; p < padded; p++) {
                order[s * padded + p] = p;
            }
            // Few swaps: the same token often stays in the same cluster in several rounds.
            for (int swap = 0; swap < padded / 4; swap++) {
                int a = random.nextInt(padded);
                int c = random.nextInt(padded);
                int t = order[s * padded + a];
                order[s * padded + a] = order[s * padded + c];
                order[s * padded + c] = t;
            }
        }
        return order;
    }

    private static int position(int[] order, int segment, int padded, int token) {
        for (int p = 0; p < padded; p++) {
            if (order[segment * padded + p] == token) {
                return p;
            }
        }
        throw new AssertionError("token " + token + " not in segment " + segment);
    }
}
