package org.smyrf4j.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a fixed number of steps on stderr: a live bar on a terminal, one line per step
 * elsewhere (a log or a test), where a redrawn bar would leave a line per redraw.
 */
abstract class Progress implements AutoCloseable {

    /** Announces the next step; the one before is done. */
    abstract void start(String step);

    @Override
    public abstract void close();

    /** A bar when stderr is a terminal and {@code err} writes to it, else step lines on {@code err}. */
    static Progress open(String task, int steps, PrintWriter err, boolean errIsTerminal) {
        return errIsTerminal ? new Bar(task, steps) : new Lines(task, steps, err);
    }

    /** The live bar (me.tongfei.progressbar), redrawn on the process's stderr. */
    private static final class Bar extends Progress {
        private final ProgressBar bar;
        private boolean started;

        Bar(String task, int steps) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                    .setStyle(ProgressBarStyle.UNICODE_BLOCK).setUpdateIntervalMillis(250)
                    .continuousUpdate().hideEta().build();
        }

        @Override
        void start(String step) {
            if (started) {
                bar.step();
            }
            started = true;
            bar.setExtraMessage(step);
        }

        @Override
        public void close() {
            bar.stepTo(bar.getMax());
            bar.setExtraMessage("done");
            bar.close();
        }
    }

    /** "[2/7] task: step" lines. */
    private static final class Lines extends Progress {
        private final String task;
        private final int steps;
        private final PrintWriter err;
        private int step;

        Lines(String task, int steps, PrintWriter err) {
            this.task = task;
            this.steps = steps;
            this.err = err;
        }

        @Override
        void start(String what) {
            step++;
            err.println("[" + step + "/" + steps + "] " + task + ": " + what);
            err.flush();
        }

        @Override
        public void close() {
        }
    }
}
