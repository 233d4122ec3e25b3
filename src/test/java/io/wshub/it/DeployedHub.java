package io.wshub.it;

import org.jboss.arquillian.test.api.ArquillianResource;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** What the Arquillian tests share: where the deployed hub is, reached over loopback. */
abstract class DeployedHub {

    @ArquillianResource
    URL deployedAt;

    URI base;

    @BeforeEach
    void onLoopback() {
        base = Deployments.onLoopback(deployedAt);
    }

    URI ws() {
        return ws("");
    }

    URI ws(String query) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "ws" + query);
    }

    /** A GET relative to the server root ({@code /health}, {@code /metrics} live there, not under the context). */
    HttpResponse<String> http(String path) throws Exception {
        return WsClient.HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the first /metrics line of {@code name}, which may include the start of its labels. */
    double metric(String name) throws Exception {
        return TestData.metric(http("/metrics").body(), name);
    }
}
