package io.visprompt;

import java.util.Locale;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs each test with Turkish as the JVM's default locale, where {@code "i".toUpperCase()} is {@code "İ"} and
 * {@code "I".toLowerCase()} is {@code "ı"}, and restores the previous default afterwards.
 */
public final class TurkishDefaultLocale implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TurkishDefaultLocale.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("original", Locale.getDefault());
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Locale.setDefault(context.getStore(NAMESPACE).get("original", Locale.class));
    }
}
