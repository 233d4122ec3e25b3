package io.wshub.transport;

import io.wshub.protocol.WireCodec;
import io.wshub.protocol.jsonrpc.JsonRpcCodec;
import jakarta.websocket.server.ServerEndpoint;

/** JSON-RPC 2.0 (bingo clients), {@code /ws/jsonrpc}. */
@ServerEndpoint(value = "/ws/jsonrpc", subprotocols = WireEndpoint.BEARER, configurator = EndpointConfigurator.class)
public class JsonRpcEndpoint extends WireEndpoint {

    JsonRpcEndpoint(EndpointServices services) {
        super(services, "jsonrpc");
    }

    @Override
    protected WireCodec codec(int maxMessageBytes) {
        return JsonRpcCodec.forConnection(maxMessageBytes);
    }
}
