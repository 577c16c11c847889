package dev.ferry.embedded.junit;

import dev.ferry.embedded.Ferry;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 side of {@link FerryBroker}: one {@link Ferry} per annotated class, kept in the
 * class's extension store so that JUnit closes it when the class is done (and a nested class finds
 * its enclosing class's broker there).
 */
public final class FerryExtension implements BeforeAllCallback, TestInstancePostProcessor, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FerryExtension.class);
    private static final String KEY = "ferry";

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Ferry ferry = find(context);
        if (ferry == null) {
            boolean inMemory = AnnotationSupport.findAnnotation(testClass, FerryBroker.class)
                    .map(FerryBroker::inMemory).orElse(true);
            ferry = Ferry.builder().inMemory(inMemory).start();
            context.getStore(NAMESPACE).put(KEY, new Running(ferry));
        }
        inject(testClass, null, ferry, true);
    }

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) throws Exception {
        inject(testInstance.getClass(), testInstance, require(context), false);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Ferry.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return require(extensionContext);
    }

    private static Ferry find(ExtensionContext context) {
        Running running = context.getStore(NAMESPACE).get(KEY, Running.class);
        return running == null ? null : running.ferry();
    }

    private static Ferry require(ExtensionContext context) {
        Ferry ferry = find(context);
        if (ferry == null) {
            throw new ExtensionConfigurationException("no Ferry broker here: annotate the test class with @FerryBroker");
        }
        return ferry;
    }

    /** Sets the fields of type Ferry that are static ({@code statics}) or not, up the class hierarchy. */
    private static void inject(Class<?> type, Object instance, Ferry ferry, boolean statics) throws IllegalAccessException {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (field.getType() != Ferry.class || Modifier.isStatic(field.getModifiers()) != statics) {
                    continue;
                }
                if (Modifier.isFinal(field.getModifiers())) {
                    throw new ExtensionConfigurationException("@FerryBroker cannot set final field " + field);
                }
                field.setAccessible(true);
                field.set(instance, ferry);
            }
        }
    }

    /** Closed by JUnit with the class's store. */
    private record Running(Ferry ferry) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            ferry.close();
        }
    }
}
