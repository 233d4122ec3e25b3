package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small helpers every integration test shares: JSON data, unique names, waiting for a condition. */
final class TestData {

    private TestData() {
    }

    /** A JSON object from alternating keys and values (String, Integer, Long, Boolean or JsonValue). */
    static JsonObject data(Object... keysAndValues) {
        var builder = Json.object();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object value = keysAndValues[i + 1];
            String key = (String) keysAndValues[i];
            if (value instanceof String s) {
                builder.add(key, s);
            } else if (value instanceof Integer n) {
                builder.add(key, n);
            } else if (value instanceof Long n) {
                builder.add(key, n);
            } else if (value instanceof Boolean b) {
                builder.add(key, b);
            } else {
                builder.add(key, (JsonValue) value);
            }
        }
        return builder.build();
    }

    static String unique(String prefix) {
        return prefix + "-" + Long.toHexString(System.nanoTime());
    }

    /** The GoHub frame of a backend push: {@code {message_type, data}}. */
    static String push(String type, JsonObject data) {
        return Json.object().add("message_type", type).add("data", data).build().toString();
    }

    /** Polls until the condition holds (10 s at most). */
    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        eventually(what, 10_000, condition);
    }

    static void eventually(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    /** A condition that may fail to be read (a node still starting, a frame not there yet): that counts as false. */
    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits up to 20 s for {@code condition}; a check that throws is not met yet. */
    static void eventuallyHolds(String what, Check condition) throws InterruptedException {
        eventually(what, 20_000, () -> {
            try {
                return condition.holds();
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    /** The value of the first line of {@code name} in a /metrics body; {@code name} may include the start of labels. */
    static double metric(String metricsBody, String name) {
        for (String line : metricsBody.split("\n")) {
            boolean match = name.contains("{") ? line.startsWith(name)
                    : line.startsWith(name + "{") || line.startsWith(name + " ");
            if (match) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " not found in /metrics");
    }
}
