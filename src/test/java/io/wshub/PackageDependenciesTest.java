package io.wshub;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Packages depend one way: no cycle among the application's packages (read from the sources' references). */
class PackageDependenciesTest {

    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.wshub((?:\\.[a-z][a-z0-9]*)+)\\.[A-Z]");

    static Map<String, Set<String>> dependencies() throws IOException {
        Path root = Path.of("src/main/java");
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> uses = graph.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher matcher = REFERENCE.matcher(Files.readString(file));
                while (matcher.find()) {
                    String used = "io.wshub" + matcher.group(1);
                    if (!used.equals(pkg)) {
                        uses.add(used);
                    }
                }
            }
        }
        return graph;
    }

    @Test
    void thereIsNoCycleBetweenPackages() throws IOException {
        Map<String, Set<String>> graph = dependencies();
        assertTrue(graph.size() > 10, "the sources were found: " + graph.keySet());
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            // a path from one of start's dependencies back to start is a cycle
            Deque<List<String>> paths = new ArrayDeque<>();
            graph.get(start).forEach(next -> paths.add(List.of(start, next)));
            Set<String> seen = new HashSet<>();
            while (!paths.isEmpty()) {
                List<String> path = paths.poll();
                String last = path.get(path.size() - 1);
                if (last.equals(start)) {
                    cycles.add(String.join(" -> ", path));
                    break;
                }
                if (seen.add(last)) {
                    for (String next : graph.getOrDefault(last, Set.of())) {
                        List<String> longer = new ArrayList<>(path);
                        longer.add(next);
                        paths.add(longer);
                    }
                }
            }
        }
        assertEquals(List.of(), cycles, "package cycles");
    }
}
