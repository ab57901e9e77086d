package io.beacon.ops.lag;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which of the groups the cluster lists a {@link LagMonitor} watches: those whose whole id matches the
 * include pattern and not the exclude pattern (Java regular expressions, as MirrorMaker's group filters
 * take them). An empty exclude pattern excludes nothing.
 */
public final class GroupFilter {

    /** Every group the cluster lists. */
    public static final GroupFilter ALL = new GroupFilter(Pattern.compile(".*"), Optional.empty());

    private final Pattern include;
    private final Optional<Pattern> exclude;

    private GroupFilter(Pattern include, Optional<Pattern> exclude) {
        this.include = include;
        this.exclude = exclude;
    }

    /**
     * @param include a regular expression a group id must match whole to be watched
     * @param exclude a regular expression that, matching a group id whole, hides it; empty hides none
     * @throws IllegalArgumentException when either is not a valid regular expression
     */
    public static GroupFilter of(String include, String exclude) {
        Objects.requireNonNull(include, "include");
        Objects.requireNonNull(exclude, "exclude");
        return new GroupFilter(compile(include, "include"),
                exclude.isEmpty() ? Optional.empty() : Optional.of(compile(exclude, "exclude")));
    }

    /** Every group whose id starts with {@code prefix}. */
    public static GroupFilter prefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("a group prefix must not be blank");
        }
        return new GroupFilter(Pattern.compile(Pattern.quote(prefix) + ".*"), Optional.empty());
    }

    public boolean matches(String groupId) {
        return include.matcher(groupId).matches() && exclude.map(p -> !p.matcher(groupId).matches()).orElse(true);
    }

    /**
     * A {@link ConfigDef.Validator} for a setting that holds one of these patterns: a value that does not
     * compile fails the config at start with a {@link ConfigException} naming the setting.
     */
    public static ConfigDef.Validator regexValidator() {
        return new RegexValidator();
    }

    @Override
    public String toString() {
        return "include " + include.pattern() + exclude.map(p -> ", exclude " + p.pattern()).orElse("");
    }

    private static Pattern compile(String regex, String which) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("the " + which + " pattern " + regex + " is not a valid regular"
                    + " expression: " + e.getDescription(), e);
        }
    }

    private static final class RegexValidator implements ConfigDef.Validator {

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "must be a regular expression");
            }
            try {
                Pattern.compile((String) value);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(name, value, "not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
            }
        }

        @Override
        public String toString() {
            return "a Java regular expression";
        }
    }
}
