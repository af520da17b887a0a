package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One in-process run of the command line, stdout and stderr captured. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The non-empty lines of stderr. */
    List<String> errLines() {
        return err.lines().filter(line -> !line.isBlank()).toList();
    }

    /**
     * Asserts the bad-input contract: exactly one stderr line, {@code error: ...}, naming every
     * {@code expected} part and no exception class.
     */
    void assertOneErrorLine(String... expected) {
        List<String> lines = errLines();
        assertEquals(1, lines.size(), () -> "want exactly one stderr line, got " + this);
        String line = lines.get(0);
        assertTrue(line.startsWith("error: "), () -> "want 'error: ...', got: " + line);
        for (String part : expected) {
            assertTrue(line.contains(part), () -> "want '" + part + "' in: " + line);
        }
        assertFalse(line.contains("Exception"), () -> "no exception names for bad input: " + line);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
