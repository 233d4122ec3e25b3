package io.wshub.messaging;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;
import io.wshub.protocol.Json;
import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.Dependent;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

/** {@code ping {ts}} -> {@code pong {ts, server_ts, rtt}}; {@code rtt} is server time minus the client's ts. */
@Dependent
@MessageType("ping")
public class PingHandler implements MessageHandler {

    @Override
    public Reply handle(Request request) {
        long now = System.currentTimeMillis();
        JsonObjectBuilder pong = Json.object();
        JsonValue ts = request.data().get("ts");
        if (ts != null && ts.getValueType() != JsonValue.ValueType.NULL) {
            if (!(ts instanceof JsonNumber number)) {
                throw new HubException(ErrorCode.INVALID_FORMAT, "data.ts must be a number (epoch ms)");
            }
            pong.add("ts", number.longValue()).add("server_ts", now).add("rtt", now - number.longValue());
        } else {
            pong.add("server_ts", now);
        }
        return request.reply("pong", pong.build());
    }
}
