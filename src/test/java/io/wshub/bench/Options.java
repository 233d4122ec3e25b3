package io.wshub.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code --name value} command-line options. */
final class Options {
    private final List<String> args;

    Options(String[] args) {
        this.args = Arrays.asList(args);
    }

    String get(String name, String fallback) {
        int at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args.get(at + 1) : fallback;
    }

    int getInt(String name, int fallback) {
        return Integer.parseInt(get(name, Integer.toString(fallback)));
    }

    /** An option's value split on spaces, e.g. the JVM options of {@code --jvm "-XX:+UseParallelGC -Dx=y"}. */
    List<String> words(String name) {
        List<String> words = new ArrayList<>();
        for (String word : get(name, "").trim().split("\\s+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
    }

    boolean has(String name) {
        return args.contains(name);
    }

    /** The first argument when it is not an option (the mode). */
    String mode(String fallback) {
        return !args.isEmpty() && !args.get(0).startsWith("--") ? args.get(0) : fallback;
    }
}
