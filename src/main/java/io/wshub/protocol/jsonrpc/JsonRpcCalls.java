package io.wshub.protocol.jsonrpc;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the JSON-RPC codec remembers of a request until the hub answers it: the client's id, and where the answer
 * goes (a batch's array, the result of a subscribe that was one join per topic).
 */
final class JsonRpcCalls {

    private JsonRpcCalls() {
    }

    /** How one hub answer becomes (part of) a response. */
    sealed interface Answer permits Call, TopicOfCall {
    }

    /**
     * One request of the client. {@code idJson} is its id as the client wrote it (JSON text, echoed exactly), null
     * for a notification, which is never answered. {@code errorCode} replaces the hub code's JSON-RPC code when not
     * 0 (a parse error, an invalid request).
     */
    record Call(String idJson, int errorCode, Batch batch, int slot) implements Answer {

        boolean isNotification() {
            return idJson == null;
        }

        /** The frame to write for this call's response now, or null (a notification, a batch still incomplete). */
        String respond(String response) {
            if (isNotification()) {
                return null;
            }
            return batch == null ? response : batch.fill(slot, response);
        }
    }

    /** The answer to one topic of a topics call. */
    record TopicOfCall(Topics topics, int index) implements Answer {
    }

    static String result(String idJson, String resultJson) {
        return "{\"jsonrpc\":\"2.0\",\"result\":" + resultJson + ",\"id\":" + idJson + "}";
    }

    static String error(String idJson, String errorJson) {
        return "{\"jsonrpc\":\"2.0\",\"error\":" + errorJson + ",\"id\":" + idJson + "}";
    }

    /** A batch: one array of the responses to its requests, written when the last one is answered. */
    static final class Batch {
        private int slots;
        private AtomicReferenceArray<String> responses;
        private AtomicInteger missing;

        /** A place in the array for a request that will be answered; only while the batch is decoded. */
        int slot() {
            return slots++;
        }

        /** No more slots; false when no request of it is answered (all notifications): nothing is written. */
        boolean seal() {
            responses = new AtomicReferenceArray<>(slots);
            missing = new AtomicInteger(slots);
            return slots > 0;
        }

        String fill(int slot, String response) {
            responses.set(slot, response);
            if (missing.decrementAndGet() != 0) {
                return null;
            }
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < responses.length(); i++) {
                out.append(i == 0 ? "" : ",").append(responses.get(i));
            }
            return out.append(']').toString();
        }
    }

    /**
     * {@code subscribe} / {@code unsubscribe} {@code {topics}}: one join or leave per topic, answered together as
     * {@code {subscribed: [...], failed: {topic: error}}} (or {@code unsubscribed}). Subscribing to a topic one is
     * in already, or leaving one one is not in, is a success: the client gets the state it asked for.
     */
    static final class Topics {
        private final Call call;
        private final String[] topics;
        private final boolean subscribe;
        private final AtomicReferenceArray<String> failures;
        private final AtomicInteger missing;

        Topics(Call call, String[] topics, boolean subscribe) {
            this.call = call;
            this.topics = topics;
            this.subscribe = subscribe;
            this.failures = new AtomicReferenceArray<>(topics.length);
            this.missing = new AtomicInteger(topics.length);
        }

        Call call() {
            return call;
        }

        String topic(int index) {
            return topics[index];
        }

        int size() {
            return topics.length;
        }

        /** Records one topic's answer ({@code errorJson} null for success); the result once all are in, else null. */
        String answered(int index, String errorJson) {
            if (errorJson != null && !isAlreadyThere(errorJson)) {
                failures.set(index, errorJson);
            }
            if (missing.decrementAndGet() != 0) {
                return null;
            }
            StringBuilder done = new StringBuilder("[");
            StringBuilder failed = new StringBuilder("{");
            for (int i = 0; i < topics.length; i++) {
                if (failures.get(i) == null) {
                    Json.quote(done.append(done.length() > 1 ? "," : ""), topics[i]);
                } else {
                    Json.quote(failed.append(failed.length() > 1 ? "," : ""), topics[i]).append(':')
                            .append(failures.get(i));
                }
            }
            return "{\"" + (subscribe ? "subscribed" : "unsubscribed") + "\":" + done.append(']') + ",\"failed\":"
                    + failed.append('}') + "}";
        }

        private boolean isAlreadyThere(String errorJson) {
            JsonValue data = ((JsonObject) Json.parse(errorJson)).get("data");
            JsonValue code = data instanceof JsonObject object ? object.get("wshub_code") : null;
            int hubCode = code instanceof JsonNumber number ? number.intValue() : 0;
            return hubCode == (subscribe ? ErrorCode.ALREADY_IN_ROOM : ErrorCode.NOT_IN_ROOM).code();
        }
    }
}
