package org.smyrf4j.bert;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;

/**
 * Masked-LM evaluation of an attention choice on consecutive windows of a text.
 *
 * <p>The text's word pieces are cut into windows of {@code length - 2} tokens, each framed as
 * {@code [CLS] window [SEP]}; in each window {@code round(maskRate * (length - 2))} positions,
 * drawn from the seed, are replaced by [MASK]. {@link #run} encodes the batch and keeps the
 * final hidden states and the top-1 prediction at every masked position; {@link #compare}
 * gives accuracy, agreement with a baseline (same top-1) and the mean cosine of hidden states.
 */
public final class MlmEvaluation {

    /** One run: hidden states (B, N, hidden), top-1 ids at the masked positions, encoder seconds. */
    public record Run(float[] hidden, int[] top1, double seconds) {
    }

    /** The figures of a run against the truth and a baseline run. */
    public record Scores(double accuracy, double agreement, double cosine) {
    }

    private final BertModel model;
    private final int length;
    private final int sequences;
    private final int[] ids;
    private final int[] maskedRows;
    private final int[] truth;

    /**
     * @throws IllegalArgumentException when the text is too short for the windows, or a size is out of range
     */
    public MlmEvaluation(BertModel model, WordPieceTokenizer tokenizer, String text, int length, int sequences,
            double maskRate, long seed) {
        this.model = Objects.requireNonNull(model, "model");
        if (length < 3 || length > model.weights().maxPositions()) {
            throw new IllegalArgumentException("--length must be in [3, " + model.weights().maxPositions() + "], got "
                    + length);
        }
        if (sequences <= 0) {
            throw new IllegalArgumentException("--sequences must be > 0, got " + sequences);
        }
        if (!(maskRate > 0 && maskRate < 1)) {
            throw new IllegalArgumentException("--mask-rate must be in (0, 1), got " + maskRate);
        }
        int inner = length - 2;
        int[] tokens = tokenizer.encode(text);
        if ((long) inner * sequences > tokens.length) {
            throw new IllegalArgumentException("the text has " + tokens.length + " word pieces, fewer than --sequences "
                    + sequences + " x (--length " + length + " - 2) = " + (long) inner * sequences);
        }
        int perWindow = Math.max(1, (int) Math.round(maskRate * inner));
        this.length = length;
        this.sequences = sequences;
        this.ids = new int[sequences * length];
        this.maskedRows = new int[sequences * perWindow];
        this.truth = new int[maskedRows.length];
        int cls = tokenizer.requiredId(WordPieceTokenizer.CLS);
        int sep = tokenizer.requiredId(WordPieceTokenizer.SEP);
        int mask = tokenizer.requiredId(WordPieceTokenizer.MASK);
        SplittableRandom random = new SplittableRandom(seed);
        int m = 0;
        for (int w = 0; w < sequences; w++) {
            int base = w * length;
            ids[base] = cls;
            System.arraycopy(tokens, w * inner, ids, base + 1, inner);
            ids[base + length - 1] = sep;
            int[] positions = new int[inner];
            for (int i = 0; i < inner; i++) {
                positions[i] = i + 1;
            }
            for (int i = 0; i < perWindow; i++) { // partial Fisher-Yates: perWindow distinct positions
                int j = i + random.nextInt(inner - i);
                int t = positions[i];
                positions[i] = positions[j];
                positions[j] = t;
            }
            int[] chosen = Arrays.copyOf(positions, perWindow);
            Arrays.sort(chosen);
            for (int p : chosen) {
                maskedRows[m] = base + p;
                truth[m] = ids[base + p];
                ids[base + p] = mask;
                m++;
            }
        }
    }

    public int maskedCount() { return maskedRows.length; }

    public int length() { return length; }

    public int sequences() { return sequences; }

    /** Encodes the windows with layer l's attention from {@code configFor} and predicts the masked tokens. */
    public Run run(AttentionBackend backend, IntFunction<AttentionConfig> configFor) {
        long start = System.nanoTime();
        float[] hidden = model.encode(ids, null, null, sequences, length, backend, configFor);
        double seconds = (System.nanoTime() - start) / 1e9;
        float[] logits = model.mlmLogits(hidden, maskedRows);
        int vocab = model.weights().vocabSize();
        int[] top1 = new int[maskedRows.length];
        for (int r = 0; r < top1.length; r++) {
            top1[r] = MaskFill.argmax(logits, r * vocab, vocab);
        }
        return new Run(hidden, top1, seconds);
    }

    /** Accuracy of {@code run}, its agreement with {@code baseline} and the mean cosine of hidden states. */
    public Scores compare(Run run, Run baseline) {
        int right = 0;
        int same = 0;
        for (int r = 0; r < truth.length; r++) {
            right += run.top1()[r] == truth[r] ? 1 : 0;
            same += run.top1()[r] == baseline.top1()[r] ? 1 : 0;
        }
        int h = model.weights().hidden();
        int rows = run.hidden().length / h;
        double cosines = 0;
        for (int row = 0; row < rows; row++) {
            double dot = 0;
            double a = 0;
            double b = 0;
            for (int c = row * h; c < (row + 1) * h; c++) {
                dot += (double) run.hidden()[c] * baseline.hidden()[c];
                a += (double) run.hidden()[c] * run.hidden()[c];
                b += (double) baseline.hidden()[c] * baseline.hidden()[c];
            }
            cosines += dot / Math.sqrt(a * b);
        }
        return new Scores((double) right / truth.length, (double) same / truth.length, cosines / rows);
    }
}
