package io.wshub.it.app;

import io.wshub.hub.Hub;
import io.wshub.cluster.Directory;
import io.wshub.cluster.Presence;
import io.wshub.cluster.Directory.RoomRecord;
import io.wshub.room.RoomRegistry;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.Session;

import java.util.List;
import java.util.Map;

/**
 * Test-only window into the hub's state: local and directory counts, the CDI events seen for one client, and the
 * thread that handled this request and who handed its bytes to Tyrus.
 */
@ApplicationScoped
@MessageType("test_inspect")
public class InspectHandler implements MessageHandler {

    @Inject
    Hub hub;
    @Inject
    RoomRegistry rooms;
    @Inject
    Directory directory;
    @Inject
    EventLog events;
    @Inject
    Presence presence;

    @Override
    public Reply handle(Request request) {
        int memberships = rooms.localRooms().stream().mapToInt(room -> room.members().size()).sum();
        List<RoomRecord> all = directory.rooms();
        String about = request.data().getString("client_id", "");
        return request.reply("test_inspected", Map.ofEntries(
                Map.entry("connections", hub.connectionCount()),
                Map.entry("users", hub.userCount()),
                Map.entry("rooms", all.size()),
                Map.entry("memberships", memberships),
                Map.entry("local_rooms", rooms.localRooms().size()),
                Map.entry("directory_clients", presence.totals().clients()),
                Map.entry("directory_users", presence.totals().users()),
                Map.entry("directory_memberships", all.stream().mapToInt(RoomRecord::members).sum()),
                Map.entry("room_ids", all.stream().map(RoomRecord::roomId).sorted().toList()),
                Map.entry("events", events.about(about)),
                Map.entry("thread", Thread.currentThread().getName()),
                Map.entry("read_by", readBy()),
                Map.entry("handshake_chunks", grizzly(request, GrizzlyChunks::ofSession)),
                Map.entry("grizzly_request_ids", grizzly(request, GrizzlyChunks::idsOfSession))));
    }

    /** Of this client's upgrade request: the classes of the chunks wshub lends while it is open, or who it is. */
    private static List<?> grizzly(Request request, OfSession of) {
        try {
            return of.apply(GrizzlyChunks.sessionOf(request.client()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return List.of("unknown: " + e);
        }
    }

    @FunctionalInterface
    private interface OfSession {
        List<?> apply(Session session) throws ReflectiveOperationException;
    }

    /** The readers on this thread's stack that hand bytes to Tyrus: wshub's direct one, Tyrus's Servlet one. */
    private static List<String> readBy() {
        return StackWalker.getInstance().walk(frames -> frames
                .map(StackWalker.StackFrame::getClassName)
                .filter(name -> name.equals("io.wshub.transport.GrizzlyDirectReads$Reader")
                        || name.equals("org.glassfish.tyrus.servlet.TyrusHttpUpgradeHandler")
                        || name.startsWith("org.apache.catalina.connector.InputBuffer"))
                .distinct()
                .toList());
    }
}
