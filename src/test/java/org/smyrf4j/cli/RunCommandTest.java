package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code run} on a short synthetic sequence (the default 16k takes too long for a test). */
class RunCommandTest {

    @Test
    void passesTheGoldenCheckAndPrintsTheTable() {
        CliRun run = CliRun.of("run", "--tokens", "512", "--backend", "cpu");

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        String out = run.out();
        assertTrue(out.contains("case") && out.contains("time (ms)") && out.contains("MAE vs dense")
                && out.contains("memory"), run::toString);
        assertEquals(2, out.lines().filter(l -> l.startsWith("base B=2 N=1024")).count(), run::toString);
        assertEquals(2, out.lines().filter(l -> l.startsWith("synthetic B=1 N=512")).count(), run::toString);
        assertTrue(out.contains("golden check (base): SMYRF within 1e-04 of the reference") && out.contains(": ok"),
                run::toString);
        // Progress goes to stderr, one line per step when it is not a terminal.
        assertTrue(run.err().contains("[7/7]"), run::toString);
    }

    @Test
    void refusesAnEmptySequence() {
        CliRun run = CliRun.of("run", "--tokens", "0");

        assertEquals(Main.EXIT_USAGE, run.exitCode(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().startsWith("error: --tokens must be > 0, got 0"), run::toString);
    }
}
