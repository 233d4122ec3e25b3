package io.wshub.admin;

import io.wshub.hub.Connection;
import io.wshub.room.Room;
import io.wshub.room.RoomRegistry;

/** Builds the admin API's views from the hub's objects. */
final class ViewOf {

    private ViewOf() {
    }

    static Views.Client client(Connection connection, RoomRegistry rooms) {
        return new Views.Client(connection.id(), connection.userId(), connection.identity().platform(),
                connection.identity().authenticated(), rooms.roomsOf(connection).stream().sorted().toList(),
                connection.connectedAt());
    }

    static Views.RoomInfo room(Room room) {
        return new Views.RoomInfo(room.id(), room.name(), room.maxMembers(), room.members().size(),
                room.autoCreated(), room.createdAt());
    }
}
