package io.mlcycle.operator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.generator.annotation.Default;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CRDs' {@code @Default}s applied to a spec, as the API server's structural defaulting does: a
 * field the annotation defaults and the object leaves null gets the annotation's value, in every
 * nested object present (an absent object stays absent). The annotation is the only place a default
 * is declared: code that needs a spec's values takes {@link #copy} of it and reads the fields as
 * they are, never {@code x == null ? <default> : x}. A copy, because the primary a reconciler holds
 * is patched back (its status) and must keep the spec as it was read.
 */
public final class Defaults {

    private static final String API_PACKAGE = Defaults.class.getPackageName();
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Map<Class<?>, List<Field>> FIELDS = new ConcurrentHashMap<>();

    private Defaults() {}

    /** A deep copy of {@code spec} with its defaults applied; null stays null. */
    @SuppressWarnings("unchecked")
    public static <T> T copy(T spec) {
        if (spec == null) {
            return null;
        }
        try {
            return apply((T) MAPPER.treeToValue(MAPPER.valueToTree(spec), spec.getClass()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot copy " + spec.getClass().getSimpleName(), e);
        }
    }

    /** Fills the nulls of {@code spec} (and of the objects in it) in place; returns it. */
    public static <T> T apply(T spec) {
        if (spec != null) {
            fill(spec);
        }
        return spec;
    }

    private static void fill(Object o) {
        if (o instanceof Collection<?> c) {
            c.forEach(Defaults::fill);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.values().forEach(Defaults::fill);
            return;
        }
        if (o == null || !o.getClass().getPackageName().startsWith(API_PACKAGE)) {
            return;
        }
        for (Field f : fields(o.getClass())) {
            try {
                Object value = f.get(o);
                Default d = f.getAnnotation(Default.class);
                if (value == null && d != null) {
                    f.set(o, parse(f, d.value()));
                } else if (value != null) {
                    fill(value);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static List<Field> fields(Class<?> type) {
        return FIELDS.computeIfAbsent(
                type,
                t -> {
                    List<Field> out = new java.util.ArrayList<>();
                    for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
                        for (Field f : c.getDeclaredFields()) {
                            int m = f.getModifiers();
                            if (Modifier.isPublic(m)
                                    && !Modifier.isStatic(m)
                                    && !Modifier.isFinal(m)
                                    && !f.getType().isPrimitive()) {
                                out.add(f);
                            }
                        }
                    }
                    return List.copyOf(out);
                });
    }

    /** The annotation's text as the field's type (it names the type in errors it cannot read). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object parse(Field f, String text) {
        Class<?> type = f.getType();
        try {
            if (type == String.class) {
                return text;
            } else if (type == Integer.class) {
                return Integer.valueOf(text);
            } else if (type == Long.class) {
                return Long.valueOf(text);
            } else if (type == Double.class) {
                return Double.valueOf(text);
            } else if (type == Boolean.class) {
                return Boolean.valueOf(text);
            } else if (type.isEnum()) {
                return Enum.valueOf((Class<? extends Enum>) type, text);
            } else if (type.getPackageName().startsWith(API_PACKAGE)) {
                // an object default ("{}"): the object with its own defaults, as the CRD has it
                return apply(MAPPER.readValue(text, type));
            } else if (List.class.isAssignableFrom(type)) {
                return MAPPER.readValue(text, MAPPER.constructType(f.getGenericType()));
            }
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(
                    "@Default(\"" + text + "\") on " + f + " is not a " + type.getSimpleName(), e);
        }
        throw new IllegalStateException(
                "@Default on " + f + ": type " + type.getName() + " is not supported");
    }
}
