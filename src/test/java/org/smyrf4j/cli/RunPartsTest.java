package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.BackendKind;
import org.smyrf4j.ClusterPlan;
import org.smyrf4j.Mode;

/** The pieces of {@code run} that need no engine. */
class RunPartsTest {

    @Test
    void embeddedGoldenCaseLoadsFromTheClassPath() {
        EmbeddedGoldenCase base = EmbeddedGoldenCase.load(EmbeddedGoldenCase.DEFAULT_CASE);

        assertEquals(new AttentionShape(2, 1024, 1024, 64, 64), base.inputs().shape());
        assertEquals(4, base.smyrf().hashes());
        assertEquals(0.125f, base.smyrf().scale(64));
        assertEquals(new ClusterPlan(1024, 1024, 64, 64, 16), base.smyrf().plan(1024, 1024));
        assertEquals(2 * 1024 * 64, base.reference().length);
        assertEquals(2 * 1024 * 64, base.dense().length);
        assertNull(base.inputs().keyValid());
        assertEquals(Mode.DENSE, base.denseConfig().mode());
    }

    @Test
    void syntheticSequenceIsReproducible() {
        AttentionInputs a = SyntheticSequence.generate(7, 2, 300, 16, 8);
        AttentionInputs b = SyntheticSequence.generate(7, 2, 300, 16, 8);
        AttentionInputs c = SyntheticSequence.generate(8, 2, 300, 16, 8);

        assertEquals(new AttentionShape(2, 300, 300, 16, 8), a.shape());
        assertArrayEquals(a.q(), b.q());
        assertArrayEquals(a.v(), b.v());
        assertTrue(a.q()[0] != c.q()[0], "another seed, other values");
    }

    @Test
    void workingMemoryEstimates() {
        AttentionShape s = new AttentionShape(1, 16_384, 16_384, 64, 64);
        ClusterPlan plan = ClusterPlan.resolve(16_384, 16_384, 128, 128);

        assertEquals(1L << 30, WorkingMemory.dense(s), "16k x 16k float32 scores are 1 GiB");
        long perRound = 16_384L * 128 + 16_384L * 65 + 2L * (16_384 + 16_384);
        assertEquals(4L * 4 * perRound, WorkingMemory.smyrf(s, 4, plan));
        assertEquals("1.0 GiB", WorkingMemory.text(1L << 30));
        assertEquals("512 B", WorkingMemory.text(512));
    }

    @Test
    void comparisonCountsRowsAndFindsTheFirstMismatch() {
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {1, 2, 3, 4.5f, 5, 6};

        OutputComparison all = OutputComparison.of(a, b, 2, 1e-4);
        OutputComparison skipMiddle = OutputComparison.of(a, b, 2, 1e-4, row -> row != 1);

        assertEquals(2, all.rowsWithin());
        assertEquals(3, all.rowsCounted());
        assertEquals(3, all.firstBad());
        assertEquals(0.5 / 6, all.meanAbsError(), 1e-12);
        assertEquals(2, skipMiddle.rowsWithin());
        assertEquals(-1, skipMiddle.firstBad());
    }

    @Test
    void tableAlignsItsColumns() {
        StringWriter text = new StringWriter();
        ResultTable.print(new PrintWriter(text, true), List.of(
                new ResultTable.Row("base B=2 N=1024", BackendKind.CPU, Mode.SMYRF, 12.34, 0.0768, 4_400_000),
                new ResultTable.Row("synthetic B=1 N=16384", BackendKind.CPU, Mode.DENSE, 9000, 0, 1L << 30)));

        List<String> lines = text.toString().lines().toList();
        assertEquals(3, lines.size(), text::toString);
        assertTrue(lines.get(1).contains("12.3") && lines.get(1).contains("0.0768") && lines.get(1).contains("4.2 MiB"),
                text::toString);
        assertTrue(lines.get(2).endsWith("1.0 GiB"), text::toString);
        assertEquals(lines.get(0).indexOf("backend"), lines.get(1).indexOf("cpu"), "columns line up");
    }

    @Test
    void oneLineJoinsMultiLineMessages() {
        assertEquals("a; b", OneLineErrors.oneLine("a\n  b\n", new RuntimeException()));
        assertEquals("RuntimeException (no message)", OneLineErrors.oneLine(null, new RuntimeException()));
    }
}
