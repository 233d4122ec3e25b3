package io.wshub.hub;

import io.wshub.cdi.Unproxied;
import io.wshub.cluster.ClusterConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every {@code wshub.*} setting of the single-node hub, read once through MicroProfile Config (environment variables
 * override by the standard rule, e.g. {@code WSHUB_IDLE_TIMEOUT}). The README's configuration table lists them.
 */
@ApplicationScoped
public class HubConfig implements Unproxied<HubConfig> {

    @Inject
    ClusterConfig cluster;

    @Inject
    @ConfigProperty(name = "wshub.rooms.auto-create", defaultValue = "true")
    boolean autoCreateRooms;

    @Inject
    @ConfigProperty(name = "wshub.rooms.default-max-members", defaultValue = "0")
    int defaultMaxMembers;

    @Inject
    @ConfigProperty(name = "wshub.rooms.max-id-length", defaultValue = "128")
    int maxRoomIdLength;

    @Inject
    @ConfigProperty(name = "wshub.rooms.history-size", defaultValue = "0")
    int historySize;

    @Inject
    @ConfigProperty(name = "wshub.rooms.history-ttl", defaultValue = "300")
    int historyTtl;

    @Inject
    @ConfigProperty(name = "wshub.rooms.join-leave-events", defaultValue = "false")
    boolean joinLeaveEvents;

    @Inject
    @ConfigProperty(name = "wshub.max-message-bytes", defaultValue = "65536")
    int maxMessageBytes;

    @Inject
    @ConfigProperty(name = "wshub.allow-query-client-id", defaultValue = "false")
    boolean allowQueryClientId;

    @Inject
    @ConfigProperty(name = "wshub.send-queue.max-frames", defaultValue = "1024")
    int sendQueueMaxFrames;

    @Inject
    @ConfigProperty(name = "wshub.send-queue.max-bytes", defaultValue = "4194304")
    long sendQueueMaxBytes;

    /** Fan-out lanes; negative (the default) means one per processor. */
    @Inject
    @ConfigProperty(name = "wshub.fanout.lanes", defaultValue = "-1")
    int fanOutLanes;

    @Inject
    @ConfigProperty(name = "wshub.ping-interval", defaultValue = "25")
    long pingIntervalSeconds;

    @Inject
    @ConfigProperty(name = "wshub.idle-timeout", defaultValue = "60")
    long idleTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "wshub.tyrus.idle-timer-fix", defaultValue = "true")
    boolean tyrusIdleTimerFix;

    @Inject
    @ConfigProperty(name = "wshub.tyrus.raw-frames", defaultValue = "true")
    boolean tyrusRawFrames;

    @Inject
    @ConfigProperty(name = "wshub.grizzly.direct-writes", defaultValue = "true")
    boolean grizzlyDirectWrites;

    @Inject
    @ConfigProperty(name = "wshub.grizzly.trim-upgrade-request", defaultValue = "true")
    boolean trimUpgradeRequest;

    @Inject
    @ConfigProperty(name = "wshub.grizzly.in-place-reads", defaultValue = "true")
    boolean grizzlyInPlaceReads;

    @Inject
    @ConfigProperty(name = "wshub.grizzly.direct-reads", defaultValue = "true")
    boolean grizzlyDirectReads;

    @Inject
    @ConfigProperty(name = "wshub.tyrus.close-linger-ms", defaultValue = "2000")
    long closeLingerMillis;

    @Inject
    @ConfigProperty(name = "wshub.session.single-per-platform", defaultValue = "false")
    boolean singleSessionPerPlatform;

    @Inject
    @ConfigProperty(name = "wshub.shutdown.reconnect-spread", defaultValue = "5000")
    long shutdownReconnectSpreadMillis;

    @Inject
    @ConfigProperty(name = "wshub.shutdown.drain-timeout", defaultValue = "5")
    long shutdownDrainTimeoutSeconds;

    /** Clients are told to reconnect after a random delay up to this many ms, so they do not all come back at once. */
    public long shutdownReconnectSpreadMillis() {
        return Math.max(0, shutdownReconnectSpreadMillis);
    }

    /** How long a stopping node lets send queues drain before it closes what is left. */
    public long shutdownDrainTimeoutMillis() {
        return Math.max(0, shutdownDrainTimeoutSeconds) * 1000;
    }

    /** This node's id (lock-free: decided once at start). */
    public String nodeId() {
        return cluster.nodeId();
    }

    public boolean autoCreateRooms() {
        return autoCreateRooms;
    }

    /** 0 means unlimited. */
    public int defaultMaxMembers() {
        return defaultMaxMembers;
    }

    /** Messages a room keeps when it does not set its own; 0: no history. */
    public int historySize() {
        return Math.max(0, historySize);
    }

    /** Seconds a room's history lives after its last message, when the room does not set its own. */
    public int historyTtl() {
        return Math.max(1, historyTtl);
    }

    /** Whether rooms tell their members of joins and leaves, when a room does not say. */
    public boolean joinLeaveEvents() {
        return joinLeaveEvents;
    }

    public int maxRoomIdLength() {
        return maxRoomIdLength;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public boolean allowQueryClientId() {
        return allowQueryClientId;
    }

    /** Threads that write large fan-outs; 0 = every fan-out is written on the thread that makes it. */
    public int fanOutLanes() {
        return fanOutLanes < 0 ? Runtime.getRuntime().availableProcessors() : fanOutLanes;
    }

    public int sendQueueMaxFrames() {
        return sendQueueMaxFrames;
    }

    public long sendQueueMaxBytes() {
        return sendQueueMaxBytes;
    }

    public long pingIntervalMillis() {
        return pingIntervalSeconds * 1000;
    }

    public long idleTimeoutMillis() {
        return idleTimeoutSeconds * 1000;
    }

    /** A new connection of a (user, platform) replaces the older ones. */
    public boolean singleSessionPerPlatform() {
        return singleSessionPerPlatform;
    }

    public boolean tyrusIdleTimerFix() {
        return tyrusIdleTimerFix;
    }

    /** Data frames written straight to the socket's write queue (see transport.GrizzlyDirectWrites). */
    public boolean grizzlyDirectWrites() {
        return grizzlyDirectWrites;
    }

    /** What the upgrade request held only for the handshake is released once a socket is open (UpgradeRequestTrim). */
    public boolean trimUpgradeRequest() {
        return trimUpgradeRequest;
    }

    /** A WebSocket's frames are handled on the thread that read them (see transport.InPlaceReads). */
    public boolean grizzlyInPlaceReads() {
        return grizzlyInPlaceReads;
    }

    /** A WebSocket's bytes go from Grizzly straight to Tyrus's frame reader (see transport.GrizzlyDirectReads). */
    public boolean grizzlyDirectReads() {
        return grizzlyDirectReads;
    }

    /**
     * How long a socket the hub closes stays open for the client's answering close frame, reading what the client
     * still sends (see transport.LingeringClose); 0 closes it right after the close frame.
     */
    public long closeLingerMillis() {
        return closeLingerMillis;
    }

    /** Frames encoded once and written raw to every receiver (see transport.TyrusRawFrames). */
    public boolean tyrusRawFrames() {
        return tyrusRawFrames;
    }
}
