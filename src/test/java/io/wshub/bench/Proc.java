package io.wshub.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What /proc and the JDK's jcmd say about a process. */
final class Proc {

    /** Clock ticks per second of utime/stime in /proc/PID/stat (USER_HZ, 100 on Linux). */
    static final double TICKS_PER_SECOND = 100.0;

    private Proc() {
    }

    /** utime + stime of the processes, in clock ticks; pid 0 is skipped, a process that is gone counts 0. */
    static long cpuTicks(long... pids) {
        long ticks = 0;
        for (long pid : pids) {
            if (pid != 0) {
                ticks += cpuTicks(Path.of("/proc", Long.toString(pid), "stat"));
            }
        }
        return ticks;
    }

    static long selfCpuTicks() {
        return cpuTicks(Path.of("/proc/self/stat"));
    }

    private static long cpuTicks(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Busy CPU time of the whole machine (all cores, /proc/stat: everything but idle and iowait), in clock ticks. */
    static long machineBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** VmRSS in KiB, 0 if unknown. */
    static long rssKib(long pid) {
        if (pid == 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // gone
        }
        return 0;
    }

    /** Live threads ({@code Threads:} in /proc/PID/status), 0 if unknown. */
    static int threads(long pid) {
        if (pid == 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.parseInt(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return 0;
    }

    /** Runs {@code jcmd PID command...} of this JDK and returns its output. */
    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        String[] line = new String[command.length + 2];
        line[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        line[1] = Long.toString(pid);
        System.arraycopy(command, 0, line, 2, command.length);
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(120, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8);
    }

    /**
     * The live objects of a JVM after a full GC ({@code GC.class_histogram} collects first): bytes per class name,
     * with the total under {@code "*total*"}.
     */
    static Map<String, Long> liveHistogram(long pid) throws IOException, InterruptedException {
        Map<String, Long> bytes = new HashMap<>();
        for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
            } else if (f.length >= 3 && f[0].equals("Total")) {
                bytes.put("*total*", Long.parseLong(f[2]));
            }
        }
        return bytes;
    }
}
