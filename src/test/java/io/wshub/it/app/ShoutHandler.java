package io.wshub.it.app;

import io.wshub.routing.MessageHandler;
import io.wshub.routing.MessageType;
import io.wshub.routing.Reply;
import io.wshub.routing.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;
import java.util.Map;

/** An application-defined message type, deployed only with the tests: found without any registration code. */
@ApplicationScoped
@MessageType("shout")
public class ShoutHandler implements MessageHandler {

    public static class Shout {
        public String text;
    }

    @Override
    public Reply handle(Request request) {
        Shout shout = request.dataAs(Shout.class);
        if (shout.text == null) {
            shout.text = "";
        }
        return request.reply("shouted", Map.of("text", shout.text.toUpperCase(Locale.ROOT)));
    }
}
