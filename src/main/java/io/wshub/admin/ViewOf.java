package io.wshub.admin;

import io.wshub.cluster.Directory;
import io.wshub.cluster.Directory.ClientRecord;
import io.wshub.cluster.Directory.RoomRecord;

/** Builds the admin API's views from the directory's records. */
final class ViewOf {

    private ViewOf() {
    }

    static Views.Client client(ClientRecord client, Directory directory) {
        return new Views.Client(client.clientId(), client.userId(), client.platform(), client.authenticated(),
                directory.roomsOf(client.clientId()).stream().sorted().toList(), client.connectedAt(),
                client.nodeId());
    }

    static Views.RoomInfo room(RoomRecord room) {
        return new Views.RoomInfo(room.roomId(), room.name(), room.maxMembers(), room.members(), room.autoCreated(),
                room.createdAt(), room.historySize(), room.historyTtl(), room.joinLeaveEvents());
    }
}
