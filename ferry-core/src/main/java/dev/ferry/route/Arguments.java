package dev.ferry.route;

import java.util.HashMap;
import java.util.Map;

/** Helpers for AMQP-style argument tables, shared by declarations and bindings. */
public final class Arguments {
    private Arguments() {
    }

    /**
     * An immutable copy without entries whose value is null (AMQP void). Declaration arguments
     * give void no meaning, and immutable maps cannot hold null.
     */
    public static Map<String, Object> copyWithoutVoids(Map<String, Object> arguments) {
        if (arguments == null || arguments.isEmpty()) {
            return Map.of();
        }
        if (!hasVoidValue(arguments)) {
            return Map.copyOf(arguments);
        }
        Map<String, Object> copy = new HashMap<>(arguments);
        copy.values().removeIf(value -> value == null);
        return Map.copyOf(copy);
    }

    /** Whether any value is null; immutable maps throw on {@code containsValue(null)}, so we look. */
    public static boolean hasVoidValue(Map<String, Object> arguments) {
        for (Object value : arguments.values()) {
            if (value == null) {
                return true;
            }
        }
        return false;
    }

    /** The AMQP field-table type name RabbitMQ uses in error texts for a Java value. */
    public static String amqpTypeName(Object value) {
        if (value == null) {
            return "void";
        } else if (value instanceof String) {
            return "longstr";
        } else if (value instanceof Integer) {
            return "signedint";
        } else if (value instanceof Long) {
            return "long";
        } else if (value instanceof Short) {
            return "short";
        } else if (value instanceof Byte) {
            return "byte";
        } else if (value instanceof Boolean) {
            return "bool";
        } else if (value instanceof Float) {
            return "float";
        } else if (value instanceof Double) {
            return "double";
        } else if (value instanceof java.math.BigDecimal) {
            return "decimal";
        } else if (value instanceof java.util.Date) {
            return "timestamp";
        } else if (value instanceof Map) {
            return "table";
        } else if (value instanceof java.util.List) {
            return "array";
        } else if (value instanceof byte[]) {
            return "binary";
        }
        return value.getClass().getSimpleName();
    }

    /**
     * Whether two argument values are the same value, as AMQP peers mean it: integers of different
     * widths compare by value (a client may send 1000 as a short or a long), byte arrays by content.
     */
    public static boolean sameValue(Object left, Object right) {
        if (left == right) {
            return true;
        }
        if (left == null || right == null) {
            return false;
        }
        if (isIntegral(left) && isIntegral(right)) {
            return ((Number) left).longValue() == ((Number) right).longValue();
        }
        if (left instanceof Number l && right instanceof Number r
                && !(left instanceof java.math.BigDecimal) && !(right instanceof java.math.BigDecimal)) {
            return l.doubleValue() == r.doubleValue();
        }
        if (left instanceof byte[] l && right instanceof byte[] r) {
            return java.util.Arrays.equals(l, r);
        }
        return left.equals(right);
    }

    /**
     * Whether a redeclaration's argument is equivalent to the current one, as RabbitMQ judges it:
     * integers of any width by value, but a floating-point value never equals an integer (10.0 for
     * 10 is inequivalent), nor a float a double; other values as {@link #sameValue}.
     */
    public static boolean equivalent(Object current, Object received) {
        if (isFloatingPoint(current) || isFloatingPoint(received)) {
            return received != null && current != null && current.getClass() == received.getClass()
                    && current.equals(received);
        }
        return sameValue(current, received);
    }

    private static boolean isFloatingPoint(Object value) {
        return value instanceof Float || value instanceof Double;
    }

    /** Whether the value is an AMQP integer of any width. */
    public static boolean isIntegral(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte;
    }
}
