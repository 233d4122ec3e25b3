package io.wshub.it;

import io.wshub.protocol.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin REST API as a backend calls it: real HTTP with a bearer token, answers kept for assertions. */
final class AdminApi {

    private final URI api;
    private final String token;

    /** {@code api} is the {@code /api/} URI of a node. */
    AdminApi(URI api, String token) {
        this.api = api;
        this.token = token;
    }

    record Answer(int status, String contentType, String body) {
        JsonObject json() {
            return Json.parse(body).asJsonObject();
        }

        JsonArray array() {
            return Json.parse(body).asJsonArray();
        }
    }

    Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, token);
    }

    Answer call(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = WsClient.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                response.body());
    }

    static void assertProblem(Answer answer, int status) {
        assertEquals(status, answer.status(), answer.body());
        assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        assertEquals(status, answer.json().getInt("status"));
        assertFalse(answer.json().getString("detail").isBlank());
    }
}
