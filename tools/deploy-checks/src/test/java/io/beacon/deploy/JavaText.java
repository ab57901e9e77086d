package io.beacon.deploy;

import java.util.ArrayList;
import java.util.List;

/**
 * Just enough Java lexing to read declarations out of source text: comments removed with string
 * literals left intact, and the top-level arguments of a call or annotation.
 */
final class JavaText {

    private JavaText() {
    }

    /** {@code source} without comments; string and char literals (which may hold "//") are kept as they are. */
    static String withoutComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '"' || c == '\'') {
                int end = literalEnd(source, i);
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * The top-level, comma-separated arguments of the parenthesis opened at {@code open}, trimmed.
     *
     * @throws IllegalArgumentException when the parenthesis is not closed
     */
    static List<String> arguments(String source, int open) {
        if (source.charAt(open) != '(') {
            throw new IllegalArgumentException("no '(' at " + open);
        }
        List<String> args = new ArrayList<>();
        int depth = 0;
        int start = open + 1;
        int i = open + 1;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '"' || c == '\'') {
                i = literalEnd(source, i);
                continue;
            }
            if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                if (depth == 0) {
                    String last = source.substring(start, i).trim();
                    if (!last.isEmpty() || !args.isEmpty()) {
                        args.add(last);
                    }
                    return args;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                args.add(source.substring(start, i).trim());
                start = i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("unclosed '(' at " + open);
    }

    /** Index of the brace that closes the one at {@code open}. */
    static int closingBrace(String source, int open) {
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '"' || c == '\'') {
                i = literalEnd(source, i) - 1;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed '{' at " + open);
    }

    /** The value of a string literal such as {@code "a\"b"}. */
    static String unquote(String literal) {
        String body = literal.substring(1, literal.length() - 1);
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                char next = body.charAt(++i);
                out.append(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> next;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Splits {@code expression} at top-level {@code +} signs (not inside literals or parentheses). */
    static List<String> concatenationParts(String expression) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == '"' || c == '\'') {
                i = literalEnd(expression, i);
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '+' && depth == 0) {
                parts.add(expression.substring(start, i).trim());
                start = i + 1;
            }
            i++;
        }
        parts.add(expression.substring(start).trim());
        return parts;
    }

    /** Index just past the string or char literal that starts at {@code start}. */
    private static int literalEnd(String source, int start) {
        char quote = source.charAt(start);
        if (quote == '"' && source.startsWith("\"\"\"", start)) {
            int end = source.indexOf("\"\"\"", start + 3);
            return end < 0 ? source.length() : end + 3;
        }
        int i = start + 1;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                return i + 1;
            } else {
                i++;
            }
        }
        return source.length();
    }
}
