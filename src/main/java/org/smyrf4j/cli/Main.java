package org.smyrf4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code smyrf4j} command line: {@code attend}, {@code layer}, {@code info}, {@code run} and
 * {@code bench}.
 *
 * <p>Every failure ends in one line on stderr that starts with {@code error:} and one of the
 * exit codes below; no stack trace reaches the user.
 */
@Command(name = "smyrf4j",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        versionProvider = VersionProvider.class,
        description = "SMYRF attention: clustered, O(N log N) attention for long sequences, on CUDA or the CPU.",
        subcommands = {AttendCommand.class, LayerCommand.class, BertCommand.class, InfoCommand.class, RunCommand.class,
            BenchCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  success",
            "  1  runtime failure (I/O error, engine failure)",
            "  2  bad input: options, files, dtypes, shapes, values",
            "  3  the requested backend cannot run here (--backend cuda without a usable GPU)",
            "%nThe backend is chosen by --backend, else -Dsmyrf4j.backend or SMYRF4J_BACKEND, else automatically."})
public final class Main implements Runnable {

    /** Everything went well. */
    public static final int EXIT_OK = 0;
    /** Something failed at run time that the input did not cause. */
    public static final int EXIT_FAILURE = 1;
    /** The input is wrong: options, files, dtypes, shapes or values. */
    public static final int EXIT_USAGE = 2;
    /** The input is fine but this machine cannot do what was asked (e.g. CUDA without a GPU). */
    public static final int EXIT_UNAVAILABLE = 3;

    @Spec
    private CommandSpec spec;

    /** Whether the command writes to the process's own stdout and stderr (not captured by a test). */
    private final boolean processStreams;

    private Main(boolean processStreams) {
        this.processStreams = processStreams;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line on the process's stdout and stderr; returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), true, args);
    }

    /** Runs the command line with the given output streams (tests); returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, false, args);
    }

    private static int run(PrintWriter out, PrintWriter err, boolean processStreams, String... args) {
        CommandLine commandLine = commandLine(out, err, processStreams);
        try {
            return commandLine.execute(args);
        } catch (LinkageError e) {
            // picocli rethrows Errors; the likeliest is the Vector API module left out.
            err.println(OneLineErrors.linkageMessage(e));
            err.flush();
            return EXIT_FAILURE;
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (" + OneLineErrors.oneLine(e.getMessage(), e) + "): give the JVM more"
                    + " with -Xmx, e.g. SMYRF4J_JAVA_OPTS=-Xmx16g scripts/smyrf4j ...");
            err.flush();
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The configured picocli command line: one-line errors and the exit codes above. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean processStreams) {
        CommandLine commandLine = new CommandLine(new Main(processStreams));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler(OneLineErrors::handleParameterError);
        commandLine.setExecutionExceptionHandler(OneLineErrors::handleExecutionError);
        return commandLine;
    }

    /** Whether stderr is a terminal a progress bar can redraw on. */
    boolean errIsTerminal() {
        return processStreams && System.console() != null;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: attend, layer, info, run or bench");
    }
}
