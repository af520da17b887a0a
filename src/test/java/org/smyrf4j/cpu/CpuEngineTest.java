package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import org.smyrf4j.Mode;
import org.smyrf4j.SmyrfTrace;

/** The engine's contract: trace layouts, mode choice, errors, lifecycle. */
class CpuEngineTest {

    private static CpuEngine engine;

    @BeforeAll
    static void open() {
        engine = new CpuEngine();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void traceHasTheDocumentedLayouts() {
        // Nq = 50 in clusters of 16 -> L = 4, Nq' = 64; Nk = 70 -> Ck = 18, Nk' = 72.
        AttentionInputs in = RandomInputs.of(3, new AttentionShape(2, 50, 70, 6, 5), 0.2);
        AttentionConfig config = AttentionConfig.builder().hashes(3).queryClusterSize(16).seed(9).build();
        SmyrfTrace t = engine.trace(config, in);
        assertEquals(4, t.plan().clusters());
        assertEquals(18, t.plan().keyClusterSize());
        assertEquals(3 * 2 * 50, t.queryHashes().length, "queryHashes (H, B, Nq)");
        assertEquals(3 * 2 * 70, t.keyHashes().length, "keyHashes (H, B, Nk)");
        assertEquals(3 * 2 * 64, t.queryOrder().length, "queryOrder (H, B, Nq')");
        assertEquals(3 * 2 * 72, t.keyOrder().length, "keyOrder (H, B, Nk')");
        assertEquals(3 * 2 * 50 * 5, t.roundOutputs().length, "roundOutputs (H, B, Nq, dv)");
        assertEquals(3 * 2 * 50, t.roundLse().length, "roundLse (H, B, Nq)");
        assertEquals(2 * 50 * 5, t.output().length, "output (B, Nq, dv)");
        OrderChecks.assertSortedOrders(t.queryOrder(), t.queryHashes(), 3, 2, 50, 64, in::isQueryValid, "queries");
        OrderChecks.assertSortedOrders(t.keyOrder(), t.keyHashes(), 3, 2, 70, 72, in::isKeyValid, "keys");
        BitExact.assertSame(t.output(), engine.attend(config, in), "attend vs trace");
    }

    @Test
    void selfAttentionMaskMakesQueriesInvalidAndSortsThemLast() {
        AttentionShape shape = new AttentionShape(1, 10, 10, 3, 2);
        AttentionInputs r = RandomInputs.of(4, shape, 0);
        boolean[] mask = {true, false, true, true, false, true, true, true, true, false};
        AttentionInputs in = AttentionInputs.of(shape, r.q(), r.k(), r.v(), mask);
        SmyrfTrace t = engine.trace(AttentionConfig.builder().hashes(2).clusterSize(4).build(), in);
        for (int round = 0; round < 2; round++) {
            int base = round * 12;
            assertEquals(1, t.queryOrder()[base + 7], "first invalid query, round " + round);
            assertEquals(4, t.queryOrder()[base + 8]);
            assertEquals(9, t.queryOrder()[base + 9]);
            assertEquals(10, t.queryOrder()[base + 10], "placeholders last");
            assertEquals(11, t.queryOrder()[base + 11]);
        }
    }

    @Test
    void clustersWithoutKeysGiveZeroWeight() {
        // 100 queries in clusters of 16 -> 7 clusters; 5 keys -> 1 per cluster, clusters 5, 6 empty.
        AttentionInputs in = RandomInputs.of(11, 1, 100, 5, 4, 3);
        SmyrfTrace t = engine.trace(AttentionConfig.builder().hashes(2).queryClusterSize(16).build(), in);
        assertEquals(7, t.plan().clusters());
        int emptyInSomeRound = 0;
        for (int round = 0; round < 2; round++) {
            for (int p = 5 * 16; p < 100; p++) {
                int query = t.queryOrder()[round * 112 + p];
                assertEquals(Float.NEGATIVE_INFINITY, t.roundLse()[round * 100 + query], "lse of query " + query);
                for (int c = 0; c < 3; c++) {
                    assertEquals(0f, t.roundOutputs()[(round * 100 + query) * 3 + c]);
                }
                emptyInSomeRound++;
            }
        }
        assertEquals(2 * 20, emptyInSomeRound);
        for (float x : t.output()) {
            assertTrue(Float.isFinite(x) && Math.abs(x) <= 1f, "output " + x);
        }
    }

    @Test
    void autoModeRunsDenseWhenOneRoundCostsTheFullKeySet() {
        AttentionInputs in = RandomInputs.of(5, 1, 64, 64, 8, 8);
        AttentionConfig auto = AttentionConfig.builder().mode(Mode.AUTO).hashes(4).clusterSize(16).build();
        assertEquals(Mode.DENSE, auto.resolveMode(64, 64));
        float[] dense = engine.attend(auto.toBuilder().mode(Mode.DENSE).build(), in);
        BitExact.assertSame(dense, engine.attend(auto, in), "auto (dense) vs dense");

        AttentionConfig smyrfAuto = auto.toBuilder().hashes(2).build();
        assertEquals(Mode.SMYRF, smyrfAuto.resolveMode(64, 64));
        BitExact.assertSame(engine.trace(smyrfAuto, in).output(), engine.attend(smyrfAuto, in), "auto (smyrf)");
    }

    @Test
    void seedDrawsTheProjectionsAndExplicitOnesAreUsed() {
        AttentionInputs in = RandomInputs.of(6, 2, 40, 40, 7, 3);
        AttentionConfig seeded = AttentionConfig.builder().hashes(3).clusterSize(8).seed(77).build();
        AttentionConfig explicit = AttentionConfig.builder().projections(seeded.projections(7), 3).clusterSize(8)
                .build();
        BitExact.assertSame(engine.attend(seeded, in), engine.attend(explicit, in), "explicit = seeded projections");
    }

    @Test
    void configurationsThatDoNotFitTheInputsAreRefused() {
        AttentionInputs in = RandomInputs.of(7, 1, 20, 20, 4, 4);
        AttentionConfig wrongProjections = AttentionConfig.builder().projections(new float[5 * 2], 2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.attend(wrongProjections, in));
        assertTrue(e.getMessage().contains("projections") && e.getMessage().contains("dim=4"), e.getMessage());

        AttentionConfig counts = AttentionConfig.builder().queryClusterSize(5).keyClusterSize(7).build();
        e = assertThrows(IllegalArgumentException.class, () -> engine.attend(counts, in));
        assertTrue(e.getMessage().contains("queryClusterSize=5") && e.getMessage().contains("keyClusterSize=7"),
                e.getMessage());
    }

    @Test
    void describesItselfAndRefusesCallsAfterClose() {
        CpuEngine own = new CpuEngine(2);
        assertEquals(BackendKind.CPU, own.kind());
        assertTrue(own.description().contains("2 threads"), own.description());
        assertEquals(BlockAttentions.vectorModulePresent(), own.usesVectorApi());
        own.close();
        AttentionInputs in = RandomInputs.of(8, 1, 4, 4, 2, 2);
        assertThrows(IllegalStateException.class, () -> own.attend(AttentionConfig.builder().build(), in));
        assertThrows(IllegalArgumentException.class, () -> new CpuEngine(0));
    }
}
