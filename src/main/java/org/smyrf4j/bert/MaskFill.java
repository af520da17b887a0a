package org.smyrf4j.bert;

import java.util.ArrayList;
import java.util.List;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;

/** Fills the [MASK] tokens of one sentence with the MLM head's top-1 tokens. */
public final class MaskFill {

    private MaskFill() {
    }

    /**
     * The top-1 token at each [MASK] of {@code [CLS] text [SEP]}, in order.
     *
     * @throws IllegalArgumentException when the text has no [MASK]
     */
    public static List<String> fill(BertModel model, WordPieceTokenizer tokenizer, String text,
            AttentionBackend backend, AttentionConfig config) {
        int[] body = tokenizer.encode(text);
        int n = body.length + 2;
        int[] ids = new int[n];
        ids[0] = tokenizer.requiredId(WordPieceTokenizer.CLS);
        System.arraycopy(body, 0, ids, 1, body.length);
        ids[n - 1] = tokenizer.requiredId(WordPieceTokenizer.SEP);
        int mask = tokenizer.requiredId(WordPieceTokenizer.MASK);
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (ids[i] == mask) {
                rows.add(i);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("text has no " + WordPieceTokenizer.MASK + ": '" + text + "'");
        }
        float[] hidden = model.encode(ids, null, null, 1, n, backend, l -> config);
        int[] picked = rows.stream().mapToInt(Integer::intValue).toArray();
        float[] logits = model.mlmLogits(hidden, picked);
        List<String> out = new ArrayList<>();
        for (int r = 0; r < picked.length; r++) {
            out.add(tokenizer.token(argmax(logits, r * tokenizer.vocabSize(), model.weights().vocabSize())));
        }
        return out;
    }

    /** Index of the largest of x[from .. from+n), relative to from (the first on ties). */
    public static int argmax(float[] x, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[from + i] > x[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
