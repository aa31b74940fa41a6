package io.visprompt.training.engine;

import java.util.Arrays;
import java.util.Locale;

/**
 * The API names of the engine's enumerations: the constant's name in lowercase, the same in every locale (a
 * Turkish default locale would turn {@code PADDING} into {@code paddıng} with a plain {@code toLowerCase()}).
 */
final class WireNames {

    private WireNames() {
    }

    static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted names when {@code name} is none of them */
    static <E extends Enum<E>> E parse(Class<E> type, String name) {
        for (E constant : type.getEnumConstants()) {
            if (name != null && of(constant).equals(name.toLowerCase(Locale.ROOT))) {
                return constant;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(WireNames::of).toList());
    }
}
