package io.wshub.protocol.gohub;

import io.wshub.protocol.Inbound;
import jakarta.websocket.Decoder;

/** The Jakarta WebSocket face of {@link GoHubCodec}: every text frame decodes, bad ones to a malformed value. */
public class GoHubDecoder implements Decoder.Text<Inbound> {

    @Override
    public Inbound decode(String text) {
        return GoHubCodec.INSTANCE.decode(text);
    }

    @Override
    public boolean willDecode(String text) {
        return true;
    }
}
