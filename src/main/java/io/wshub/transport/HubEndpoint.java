package io.wshub.transport;

import io.wshub.protocol.WireCodec;
import io.wshub.protocol.gohub.GoHubCodec;
import jakarta.websocket.server.ServerEndpoint;

/** The GoHub format, {@code /ws}. */
@ServerEndpoint(value = "/ws", subprotocols = WireEndpoint.BEARER, configurator = EndpointConfigurator.class)
public class HubEndpoint extends WireEndpoint {

    HubEndpoint(EndpointServices services) {
        super(services, "gohub");
    }

    @Override
    protected WireCodec codec(int maxMessageBytes) {
        return GoHubCodec.INSTANCE;
    }
}
