package org.smyrf4j.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a size such as {@code 4096}, {@code 4k} or {@code 64K} (k = 1024) for list options
 * like {@code --lengths 1k,2k,4k}. Positivity is checked by the command, which names the option.
 */
final class SizeConverter implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        int multiplier = 1;
        if (text.endsWith("k")) {
            multiplier = 1024;
            text = text.substring(0, text.length() - 1);
        }
        try {
            return Math.multiplyExact(Integer.parseInt(text), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is not a size (an integer, optionally with k = 1024,"
                    + " e.g. 4096 or 4k)");
        }
    }
}
