package io.wshub.transport;

import jakarta.websocket.server.ServerEndpointConfig;

/** Makes each connection's endpoint as a plain object (see {@link EndpointServices}); everything else is the default. */
public class EndpointConfigurator extends ServerEndpointConfig.Configurator {

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
        if (endpointClass == HubEndpoint.class) {
            return endpointClass.cast(new HubEndpoint(EndpointServices.current()));
        }
        if (endpointClass == JsonRpcEndpoint.class) {
            return endpointClass.cast(new JsonRpcEndpoint(EndpointServices.current()));
        }
        if (endpointClass == ChannelsEndpoint.class) {
            return endpointClass.cast(new ChannelsEndpoint(EndpointServices.current()));
        }
        return super.getEndpointInstance(endpointClass);
    }
}
