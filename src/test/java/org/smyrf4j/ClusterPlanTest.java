package org.smyrf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.Messages.assertRefused;

import org.junit.jupiter.api.Test;

class ClusterPlanTest {

    @Test
    void bothSizesGiven() {
        ClusterPlan p = ClusterPlan.resolve(1024, 256, 128, 32);
        assertEquals(new ClusterPlan(1024, 256, 128, 32, 8), p);
        assertEquals(1024, p.paddedQueryLen());
        assertEquals(256, p.paddedKeyLen());
    }

    @Test
    void defaultSizeIsCappedAtTheQueryLength() {
        assertEquals(new ClusterPlan(16384, 16384, 128, 128, 128), ClusterPlan.resolve(16384, 16384, null, null));
        assertEquals(new ClusterPlan(50, 70, 50, 70, 1), ClusterPlan.resolve(50, 70, null, null));
    }

    @Test
    void missingSizeIsDerivedAndLengthsArePadded() {
        ClusterPlan p = ClusterPlan.resolve(50, 70, 16, null);
        assertEquals(4, p.clusters());
        assertEquals(18, p.keyClusterSize());
        assertEquals(64, p.paddedQueryLen());
        assertEquals(72, p.paddedKeyLen());
        ClusterPlan q = ClusterPlan.resolve(100, 30, null, 7);
        assertEquals(5, q.clusters());
        assertEquals(20, q.queryClusterSize());
    }

    @Test
    void derivedSizeCoversShortSidesWithPlaceholderClusters() {
        // 1024 queries in clusters of 128 -> 8 clusters; 12 keys -> 2 per cluster, the last 2 empty.
        ClusterPlan p = ClusterPlan.resolve(1024, 12, 128, null);
        assertEquals(8, p.clusters());
        assertEquals(2, p.keyClusterSize());
        assertTrue(p.paddedKeyLen() >= 12);
        ClusterPlan q = ClusterPlan.resolve(5, 1000, null, 100);
        assertEquals(10, q.clusters());
        assertEquals(1, q.queryClusterSize());
        assertEquals(10, q.paddedQueryLen());
    }

    @Test
    void badSizesAndDisagreeingCountsAreRefused() {
        assertRefused(() -> ClusterPlan.resolve(0, 5, null, null), "queryLen", "0");
        assertRefused(() -> ClusterPlan.resolve(5, -1, null, null), "keyLen", "-1");
        assertRefused(() -> ClusterPlan.resolve(5, 5, 0, null), "queryClusterSize", "0");
        assertRefused(() -> ClusterPlan.resolve(5, 5, null, -4), "keyClusterSize", "-4");
        assertRefused(() -> ClusterPlan.resolve(1024, 12, 128, 2), "cluster counts cannot agree", "gives 8",
                "keyClusterSize=2", "gives 6");
    }
}
