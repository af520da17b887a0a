package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.BackendKind;
import org.smyrf4j.cuda.CudaProbe;

class InfoCommandTest {

    @Test
    void saysWhichBackendRunsAndWhy() {
        CudaProbe.Result probe = CudaProbe.probe();
        BackendKind forced = AttentionEngine.requestedBackend();
        String expected;
        if (forced == BackendKind.CPU) {
            expected = "cpu (requested)";
        } else if (forced == BackendKind.CUDA && !probe.usable()) {
            // SMYRF4J_BACKEND=cuda without a GPU: info reports it instead of failing.
            expected = "none: CUDA backend requested but unavailable: " + probe.reason();
        } else if (probe.usable()) {
            expected = "cuda (";
        } else {
            // This machine without a usable GPU: the CPU, with the probe's reason.
            expected = "cpu (" + probe.reason() + ")";
        }

        CliRun run = CliRun.of("info");

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertEquals("", run.err(), run::toString);
        String backendLine = run.out().lines().filter(l -> l.startsWith("backend:")).findFirst().orElse("");
        assertTrue(backendLine.contains(expected), () -> "want '" + expected + "' in: " + run.out());
        for (String row : new String[] {"cuda:", "device:", "compute capability:", "driver", "kernel pack:",
                "cuBLAS:", "gemm:", "attention kernel:", "java:", "cores:", "Vector API:"}) {
            assertTrue(run.out().contains(row), () -> "want a '" + row + "' row in: " + run.out());
        }
        String gemmLine = run.out().lines().filter(l -> l.startsWith("gemm:")).findFirst().orElse("");
        String expectedGemm = backendLine.contains("cpu (")
                ? "CPU (Vector API, " + Runtime.getRuntime().availableProcessors() + " threads)"
                : backendLine.contains("cuda (") ? "" : "none: no engine started";
        assertTrue(gemmLine.contains(expectedGemm), () -> "want '" + expectedGemm + "' in: " + run.out());
        if (backendLine.contains("cuda (")) {
            assertTrue(gemmLine.contains("cuBLAS ") || gemmLine.contains("kernel pack ("), run::toString);
        }
        String kernelLine = run.out().lines().filter(l -> l.startsWith("attention kernel:")).findFirst().orElse("");
        String expectedKernel = backendLine.contains("cpu (")
                ? "CPU engine (-Dsmyrf4j.cuda.tensorCores applies to the CUDA engine only)"
                : backendLine.contains("cuda (") ? "cores (" : "none: no engine started";
        assertTrue(kernelLine.contains(expectedKernel), () -> "want '" + expectedKernel + "' in: " + run.out());
        // Surefire runs with --add-modules=jdk.incubator.vector, so the module is there.
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("Vector API:") && l.contains(" present")),
                run::toString);
    }

    @Test
    void helpListsTheCommandsAndExitCodes() {
        CliRun run = CliRun.of("--help");

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        for (String text : new String[] {"attend", "info", "run", "Exit codes", "SMYRF4J_BACKEND"}) {
            assertTrue(run.out().contains(text), () -> "want '" + text + "' in: " + run.out());
        }
    }
}
