package org.smyrf4j.cli;

import java.util.Locale;
import org.smyrf4j.Mode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code --mode smyrf|dense|auto} case-insensitively, with a message that lists them. */
final class ModeConverter implements ITypeConverter<Mode> {

    @Override
    public Mode convert(String value) {
        try {
            return Mode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("mode must be smyrf, dense or auto, got '"
                    + value.toLowerCase(Locale.ROOT) + "'");
        }
    }
}
