package io.wshub.transport.sse;

import io.wshub.hub.Frame;
import io.wshub.hub.RoomPosition;
import io.wshub.protocol.Outbound;
import io.wshub.protocol.sse.SseCodec;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outlet's non-blocking writes against a stand-in for the container's output, which can stop taking bytes. */
class SseOutletTest {

    /** The container's non-blocking output: takes writes while ready; written bytes count as sent on flush. */
    static final class Output extends ServletOutputStream {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        boolean ready = true;
        boolean askedWhenReady;
        IOException failure;
        WriteListener listener;

        @Override
        public boolean isReady() {
            askedWhenReady = !ready;
            return ready;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            listener = writeListener;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (!ready) {
                throw new IllegalStateException("written while not ready");
            }
            if (failure != null) {
                throw failure;
            }
            sent.write(bytes, offset, length);
        }

        /** The socket takes what was buffered: the container calls back if it was asked. */
        void becomeReady() {
            ready = true;
            if (askedWhenReady) {
                askedWhenReady = false;
                try {
                    listener.onWritePossible();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }

        String text() {
            return sent.toString(StandardCharsets.UTF_8);
        }
    }

    static final class Async implements AsyncContext {
        int completed;

        @Override
        public void complete() {
            completed++;
        }

        @Override
        public ServletRequest getRequest() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ServletResponse getResponse() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean hasOriginalRequestAndResponse() {
            return true;
        }

        @Override
        public void dispatch() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void dispatch(String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void dispatch(ServletContext context, String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void start(Runnable run) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void addListener(AsyncListener listener) {
        }

        @Override
        public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        }

        @Override
        public <T extends AsyncListener> T createListener(Class<T> type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setTimeout(long timeout) {
        }

        @Override
        public long getTimeout() {
            return 0;
        }
    }

    final Output out = new Output();
    final Async async = new Async();
    final SseOutlet outlet = new SseOutlet(async, out, new SseCursor());
    final List<Object> done = new ArrayList<>();

    {
        out.setWriteListener(outlet);
    }

    static Frame event(String type, String data, RoomPosition position) {
        return Frame.of(SseCodec.INSTANCE.encode(new Outbound(1, type, data, 0, null)), position);
    }

    static String id(String cursorJson) {
        return "id: " + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(cursorJson.getBytes(StandardCharsets.UTF_8)) + "\n";
    }

    @Test
    void eachEventCarriesTheCursorAsItStandsAfterIt() {
        outlet.write(event("room_joined", "{\"room_id\":\"a\"}", new RoomPosition("a", 2, "e")),
                failure -> done.add(String.valueOf(failure)));
        outlet.write(event("room_message", "{\"offset\":3}", new RoomPosition("a", 3, null)),
                failure -> done.add(String.valueOf(failure)));
        outlet.write(event("direct_message", "{}", null), failure -> done.add(String.valueOf(failure)));
        assertEquals(id("{\"a\":[2,\"e\"]}") + "event: room_joined\ndata: {\"room_id\":\"a\"}\n\n"
                + id("{\"a\":[3,\"e\"]}") + "event: room_message\ndata: {\"offset\":3}\n\n"
                + id("{\"a\":[3,\"e\"]}") + "event: direct_message\ndata: {}\n\n", out.text());
        assertEquals(List.of("null", "null", "null"), done);
    }

    @Test
    void aWriteTheContainerCannotTakeCompletesWhenItCanAndOthersWaitBehindIt() {
        out.ready = false;
        outlet.write(event("one", "{}", null), failure -> done.add("one"));
        outlet.write(event("two", "{}", null), failure -> done.add("two"));
        assertEquals("", out.text());
        assertEquals(List.of(), done);
        outlet.ping(failure -> done.add("heartbeat skipped: " + failure)); // an event is on its way
        assertEquals(List.of("heartbeat skipped: null"), done);
        out.becomeReady();
        assertEquals(List.of("heartbeat skipped: null", "one", "two"), done);
        assertTrue(out.text().indexOf("event: one") < out.text().indexOf("event: two"), out.text());
        assertFalse(out.text().contains("heartbeat"), out.text());
    }

    @Test
    void anIdleStreamGetsACommentHeartbeat() {
        outlet.ping(failure -> done.add(String.valueOf(failure)));
        assertEquals(": heartbeat\n\n", out.text());
        assertEquals(List.of("null"), done);
    }

    @Test
    void aCloseIsALastEventAndAnAdminKickIsSaidFirst() {
        outlet.close(4002, "bye");
        assertEquals(id("{}") + "event: session_kicked\ndata: {\"reason\":\"bye\"}\n\n"
                + "event: close\ndata: {\"code\":4002,\"reason\":\"bye\"}\n\n", out.text());
        assertEquals(1, async.completed);
        outlet.close(4002, "again");
        assertEquals(1, async.completed);
    }

    @Test
    void aCloseWhileAWriteIsStuckEndsTheResponseAtOnce() {
        out.ready = false;
        outlet.write(event("stuck", "{}", null), failure -> done.add("stuck"));
        outlet.close(1008, "slow consumer");
        assertEquals(1, async.completed);
        assertEquals("", out.text());
    }

    @Test
    void afterAFailedWriteEveryWriteFails() {
        IOException gone = new IOException("broken pipe");
        out.failure = gone;
        List<Throwable> failures = new ArrayList<>();
        outlet.write(event("one", "{}", null), failures::add);
        out.failure = null;
        outlet.write(event("two", "{}", null), failures::add);
        outlet.ping(failures::add);
        assertEquals(3, failures.size());
        failures.forEach(failure -> assertSame(gone, failure));
        assertEquals("", out.text());
    }
}
