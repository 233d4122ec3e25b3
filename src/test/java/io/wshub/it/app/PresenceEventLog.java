package io.wshub.it.app;

import io.wshub.presence.MemberJoined;
import io.wshub.presence.MemberLeft;
import io.wshub.presence.UserOffline;
import io.wshub.presence.UserOnline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Observes the presence CDI events as application code would, and remembers them with the thread they came on
 * (PresenceIT reads them through {@link PresenceEventsHandler}).
 */
@ApplicationScoped
public class PresenceEventLog {

    private final ConcurrentLinkedDeque<String> events = new ConcurrentLinkedDeque<>();

    void online(@Observes UserOnline event) throws InterruptedException {
        if (event.userId().startsWith(SLOW)) {
            Thread.sleep(50); // an observer that takes its time, as PresenceEvents allows
        }
        add("user_online " + event.userId() + " " + event.platform());
    }

    /** Users whose UserOnline this observer is slow to handle. */
    public static final String SLOW = "slow-";

    void offline(@Observes UserOffline event) {
        add("user_offline " + event.userId() + " " + event.lastSeen());
    }

    void joined(@Observes MemberJoined event) {
        add("member_joined " + event.roomId() + " " + event.userId() + " " + event.clientId());
    }

    void left(@Observes MemberLeft event) {
        add("member_left " + event.roomId() + " " + event.userId() + " " + event.clientId());
    }

    private void add(String event) {
        events.add(event + " thread=" + Thread.currentThread().getName());
        while (events.size() > 20000) {
            events.pollFirst();
        }
    }

    /** The events whose text contains {@code part}, oldest first. */
    public List<String> matching(String part) {
        return events.stream().filter(e -> e.contains(part)).toList();
    }
}
