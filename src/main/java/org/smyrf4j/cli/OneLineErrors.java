package org.smyrf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into one {@code error: ...} line on stderr and an exit code from
 * {@link Main}. Users see what to fix, not a stack trace; set {@value #TRACE_ENV} to get the
 * trace of a runtime failure (exit code 1) when reporting a bug.
 */
final class OneLineErrors {

    /** Environment variable that adds the stack trace to runtime failures. */
    static final String TRACE_ENV = "SMYRF4J_TRACE";

    private OneLineErrors() {
    }

    /** picocli could not parse the arguments: unknown option, missing value, bad number. */
    static int handleParameterError(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        String message = oneLine(e.getMessage(), e);
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            message += "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?";
        }
        err.println("error: " + message + " (try '" + commandLine.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return Main.EXIT_USAGE;
    }

    /** A command threw: bad input (2), a backend that cannot run here (3) or a failure (1). */
    static int handleExecutionError(Exception e, CommandLine commandLine, ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        int code;
        String message;
        if (e instanceof IllegalArgumentException) {
            code = Main.EXIT_USAGE;
            message = oneLine(e.getMessage(), e);
        } else if (e instanceof IllegalStateException) {
            code = Main.EXIT_UNAVAILABLE;
            message = oneLine(e.getMessage(), e);
        } else if (e instanceof UncheckedIOException || e instanceof IOException) {
            code = Main.EXIT_FAILURE;
            message = oneLine(e.getMessage(), e);
            // FileSystemExceptions often carry only the path; their type says what went wrong.
            Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
            if (cause instanceof FileSystemException fs && fs.getReason() == null) {
                message += " (" + fs.getClass().getSimpleName() + ")";
            }
        } else {
            // Unexpected: keep the type, it is what a bug report needs first.
            code = Main.EXIT_FAILURE;
            message = e.getClass().getSimpleName() + ": " + oneLine(e.getMessage(), e);
        }
        err.println("error: " + message);
        if (code == Main.EXIT_FAILURE && System.getenv(TRACE_ENV) != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The line for a class that failed to load: almost always the Vector API left out. */
    static String linkageMessage(LinkageError e) {
        String detail = oneLine(e.getMessage(), e);
        if (detail.contains("jdk/incubator/vector") || detail.contains("jdk.incubator.vector")) {
            return "error: the CPU engine needs the Vector API: run java with --add-modules jdk.incubator.vector"
                    + " (scripts/smyrf4j does)";
        }
        return "error: " + e.getClass().getSimpleName() + ": " + detail;
    }

    /** The message on one line; the exception's type when it has none. */
    static String oneLine(String message, Throwable e) {
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName() + " (no message)";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
