package dev.ferry.access;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One of a permission's regular expressions, RabbitMQ's way: a name is allowed when the expression
 * matches somewhere in it (unanchored, like Erlang's {@code re:run}), and the empty expression is
 * read as {@code ^$}, so it allows nothing but the empty name. Compiled once, when the permission is
 * set; an expression that does not compile is refused then.
 */
record ResourcePattern(String regex, Pattern compiled) {

    static ResourcePattern of(String regex) {
        String effective = regex.isEmpty() ? "^$" : regex;
        try {
            return new ResourcePattern(regex, Pattern.compile(effective));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression '" + regex + "': " + e.getDescription());
        }
    }

    boolean allows(String name) {
        return compiled.matcher(name).find();
    }
}
