package org.smyrf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.Messages.assertRefused;

import org.junit.jupiter.api.Test;

class AttentionConfigTest {

    @Test
    void sizesMustBePositive() {
        assertRefused(() -> AttentionConfig.builder().hashes(0).build(), "hashes", "0");
        assertRefused(() -> AttentionConfig.builder().queryClusterSize(-2).build(), "queryClusterSize", "-2");
        assertRefused(() -> AttentionConfig.builder().keyClusterSize(0).build(), "keyClusterSize", "0");
    }

    @Test
    void scaleMustBeFiniteAndPositive() {
        assertRefused(() -> AttentionConfig.builder().scale(Float.NaN).build(), "scale", "NaN");
        assertRefused(() -> AttentionConfig.builder().scale(Float.POSITIVE_INFINITY).build(), "scale", "Infinity");
        assertRefused(() -> AttentionConfig.builder().scale(0f).build(), "scale", "0.0");
        assertRefused(() -> AttentionConfig.builder().scale(-1f).build(), "scale", "-1.0");
    }

    @Test
    void projectionsMustBeFiniteAndFitTheDimension() {
        float[] bad = new float[12];
        bad[5] = Float.NaN;
        assertRefused(() -> AttentionConfig.builder().projections(bad, 2).build(), "projections", "NaN", "index 5");
        assertRefused(() -> AttentionConfig.builder().projections(new float[7], 2).build(), "projections", "got 7");
        assertRefused(() -> AttentionConfig.builder().projections(new float[0], 2).build(), "projections", "got 0");
        AttentionConfig twelve = AttentionConfig.builder().projections(new float[12], 2).build();
        assertEquals(12, twelve.projections(4).length);
        assertRefused(() -> twelve.projections(5), "projections", "dim=5", "got 12");
    }

    @Test
    void clusterCountsThatCannotAgreeAreRefusedWhenPlanned() {
        AttentionConfig c = AttentionConfig.builder().queryClusterSize(10).keyClusterSize(10).build();
        assertRefused(() -> c.plan(100, 50), "queryClusterSize=10", "gives 10", "keyLen=50", "gives 5");
        AttentionConfig auto = c.toBuilder().mode(Mode.AUTO).build();
        assertRefused(() -> auto.resolveMode(100, 50), "cluster counts");
    }

    @Test
    void seededProjectionsAreReproducibleAndGivenOnesCopied() {
        AttentionConfig a = AttentionConfig.builder().hashes(3).seed(5).build();
        assertArrayEquals(a.projections(6), AttentionConfig.builder().hashes(3).seed(5).build().projections(6));
        assertEquals(8 * 3, a.projections(6).length);
        float[] given = {1, 2, 3, 4};
        AttentionConfig g = AttentionConfig.builder().projections(given, 1).build();
        given[0] = 99;
        assertEquals(1f, g.projections(2)[0]);
        assertEquals(1, g.hashes());
    }

    @Test
    void scaleDefaultsToInverseSquareRootOfDim() {
        assertEquals(0.125f, AttentionConfig.builder().build().scale(64));
        assertEquals(2f, AttentionConfig.builder().scale(2f).build().scale(64));
    }

    @Test
    void autoModeRunsDenseWhenOneRoundCoversTheKeys() {
        AttentionConfig auto = AttentionConfig.builder().mode(Mode.AUTO).hashes(4).clusterSize(128).build();
        assertEquals(Mode.DENSE, auto.resolveMode(512, 512));
        assertEquals(Mode.SMYRF, auto.resolveMode(1024, 1024));
        assertEquals(Mode.SMYRF, auto.toBuilder().mode(Mode.SMYRF).build().resolveMode(128, 128));
    }

    @Test
    void modeParsing() {
        assertEquals(Mode.DENSE, Mode.parse(" Dense "));
        assertRefused(() -> Mode.parse("fast"), "mode", "fast");
    }

    @Test
    void extensionsAreOffByDefaultAndKeptByToBuilder() {
        AttentionConfig plain = AttentionConfig.builder().build();
        assertFalse(plain.hasExtensions());
        assertEquals(0, plain.globalKeys().length);
        AttentionConfig ext = plain.toBuilder().globalKeys(0, -1).unionRounds(true).build();
        assertTrue(ext.hasExtensions());
        assertArrayEquals(new int[] {0, -1}, ext.globalKeys());
        assertEquals(ext, ext.toBuilder().build());
        assertNotEquals(plain, ext);
        assertTrue(ext.toString().contains("globalKeys=[0, -1]"), ext.toString());
    }
}
