package io.wshub.transport;

import io.wshub.protocol.WireCodec;
import io.wshub.protocol.gows.GoWsCodec;
import jakarta.websocket.server.ServerEndpoint;

/** go-ws channel frames, {@code /ws/channels}. */
@ServerEndpoint(value = "/ws/channels", subprotocols = WireEndpoint.BEARER, configurator = EndpointConfigurator.class)
public class ChannelsEndpoint extends WireEndpoint {

    ChannelsEndpoint(EndpointServices services) {
        super(services, "gows");
    }

    @Override
    protected WireCodec codec(int maxMessageBytes) {
        return GoWsCodec.forConnection();
    }
}
