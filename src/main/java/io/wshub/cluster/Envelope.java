package io.wshub.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What one node tells others through the bus. It carries a server message as its parts (type, data JSON, timestamp),
 * never a client frame: each receiving node encodes the frame once for its own local receivers, in their wire format.
 *
 * @param kind     what to do
 * @param origin   the node that published it
 * @param target   the room, user or client id the kind refers to (null for a broadcast)
 * @param room     for {@link Kind#ATTACH}/{@link Kind#DETACH}: the room
 * @param platform for {@link Kind#USER_MESSAGE}: only this platform's connections (null for all)
 * @param type     the message type of the carried message (null for none)
 * @param data     its data, a JSON object text
 * @param timestamp when the message was made (epoch ms)
 * @param code     for kicks: the close code
 * @param reason   for kicks: the close reason
 * @param sentAt   when it was published (epoch ms), to measure the bus lag
 * @param except   for {@link Kind#ROOM_MESSAGE}: the connection that sent it and does not receive it (null for none)
 * @param offset   for {@link Kind#ROOM_MESSAGE} of a room with history: the message's offset in the room's stream
 *                 (0 for none). Such a message is delivered by every node from the bus, its origin included, so that
 *                 every node delivers a room's messages in offset order. For {@link Kind#WATCHED_USER}: the
 *                 transition's presence version (see {@link Presence.Listener}).
 */
public record Envelope(Kind kind, String origin, String target, String room, String platform, String type,
                       String data, long timestamp, int code, String reason, long sentAt, String except,
                       long offset) {

    /** Nodes of one cluster run one version: a node that reads another version drops the message (and logs it). */
    private static final byte VERSION = 2;
    private static final Kind[] KINDS = Kind.values();

    public enum Kind {
        /** To the local members of room {@code target}. */
        ROOM_MESSAGE,
        /** To the local connections of user {@code target} (of {@code platform} if set). */
        USER_MESSAGE,
        /** To local connection {@code target}. */
        CLIENT_MESSAGE,
        /** To every local connection. */
        BROADCAST,
        /** Close local connection {@code target} with {@code code}/{@code reason}, after the message if any. */
        KICK_CLIENT,
        /** Close every local connection of user {@code target}. */
        KICK_USER,
        /** Connection {@code target} was put into {@code room} by another node: start delivering to it. */
        ATTACH,
        /** Connection {@code target} was taken out of {@code room} by another node. */
        DETACH,
        /** Room {@code target} was deleted: its local members are no longer in it. */
        ROOM_DELETED,
        /** Connection {@code room} acknowledged the push {@code target} (an ack id): for the node that waits for it. */
        ACK,
        /** A presence transition of user {@code target}: to this node's connections that watch that user. */
        WATCHED_USER
    }

    public static Envelope message(Kind kind, String origin, String target, String platform, String type,
                                   String data, long timestamp) {
        return new Envelope(kind, origin, target, null, platform, type, data, timestamp, 0, null, 0, null, 0);
    }

    /** A presence transition of user {@code userId} for its watchers, with its presence version. */
    public static Envelope watchedUser(String origin, String userId, String type, String data, long timestamp,
                                       long version) {
        return new Envelope(Kind.WATCHED_USER, origin, userId, null, null, type, data, timestamp, 0, null, 0, null,
                version);
    }

    /** A message to the members of a room, but not to connection {@code except} (null for all of them). */
    public static Envelope roomMessage(String origin, String roomId, String type, String data, long timestamp,
                                       String except, long offset) {
        return new Envelope(Kind.ROOM_MESSAGE, origin, roomId, null, null, type, data, timestamp, 0, null, 0, except,
                offset);
    }

    public static Envelope control(Kind kind, String origin, String target, String room, int code, String reason) {
        return new Envelope(kind, origin, target, room, null, null, null, 0, code, reason, 0, null, 0);
    }

    public boolean carriesMessage() {
        return type != null;
    }

    /** A compact binary form; strings are length-prefixed UTF-8, so any id or data is safe. */
    public byte[] encode(long sentAtMillis) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (data == null ? 0 : data.length()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeHead(out);
            write(out, data);
            writeTail(out, sentAtMillis);
            out.writeLong(offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The encoded form around the data: what comes before the data's length prefix, and what comes after the data
     * up to the offset. A Redis script that decides the data and the offset itself (the history's append) puts the
     * envelope together as head, 4-byte length, data, tail, 8-byte offset, all big-endian.
     */
    public byte[][] encodeAround(long sentAtMillis) {
        ByteArrayOutputStream head = new ByteArrayOutputStream(64);
        ByteArrayOutputStream tail = new ByteArrayOutputStream(32);
        try (DataOutputStream headOut = new DataOutputStream(head); DataOutputStream tailOut = new DataOutputStream(tail)) {
            writeHead(headOut);
            writeTail(tailOut, sentAtMillis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new byte[][]{head.toByteArray(), tail.toByteArray()};
    }

    private void writeHead(DataOutputStream out) throws IOException {
        out.writeByte(VERSION);
        out.writeByte(kind.ordinal());
        write(out, origin);
        write(out, target);
        write(out, room);
        write(out, platform);
        write(out, type);
    }

    private void writeTail(DataOutputStream out, long sentAtMillis) throws IOException {
        out.writeLong(timestamp);
        out.writeInt(code);
        write(out, reason);
        out.writeLong(sentAtMillis);
        write(out, except);
    }

    /** The inverse of {@link #encode}; throws {@link IllegalArgumentException}, and nothing else, for bad bytes. */
    public static Envelope decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown envelope version " + version);
            }
            int kind = in.readUnsignedByte();
            if (kind >= KINDS.length) {
                throw new IllegalArgumentException("unknown envelope kind " + kind);
            }
            Envelope envelope = new Envelope(KINDS[kind], read(in), read(in), read(in), read(in), read(in), read(in),
                    in.readLong(), in.readInt(), read(in), in.readLong(), read(in), in.readLong());
            if (in.available() > 0) {
                throw new IllegalArgumentException("malformed envelope: " + in.available() + " bytes after the end");
            }
            return envelope;
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed envelope", e);
        }
    }

    private static void write(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        // checked before reading, so that a corrupt length prefix never sizes a buffer
        if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("malformed envelope: a string of " + length + " bytes where "
                    + in.available() + " are left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
