package io.wshub.routing;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessManagedBean;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds every {@link MessageHandler} and {@link AsyncMessageHandler} bean at deployment and checks that each message type has exactly one. A
 * duplicate or a handler without {@link MessageType} fails the deployment with a message naming the classes.
 */
public class MessageHandlerExtension implements Extension {

    private final Map<String, Bean<?>> handlers = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();

    void found(@Observes ProcessManagedBean<?> event) {
        Class<?> type = event.getAnnotatedBeanClass().getJavaClass();
        MessageType messageType = type.getAnnotation(MessageType.class);
        boolean sync = MessageHandler.class.isAssignableFrom(type);
        boolean async = AsyncMessageHandler.class.isAssignableFrom(type);
        boolean isHandler = sync || async;
        if (sync && async) {
            problems.add(type.getName() + " implements both MessageHandler and AsyncMessageHandler");
        } else if (messageType == null && isHandler) {
            problems.add(type.getName() + " implements a message handler interface but has no @MessageType");
        } else if (messageType != null && !isHandler) {
            problems.add(type.getName() + " has @MessageType but implements neither MessageHandler nor "
                    + "AsyncMessageHandler");
        } else if (messageType != null) {
            String name = messageType.value();
            if (name.isBlank()) {
                problems.add(type.getName() + " has a blank @MessageType");
                return;
            }
            Bean<?> previous = handlers.putIfAbsent(name, event.getBean());
            if (previous != null) {
                problems.add("message type '" + name + "' is handled by both "
                        + previous.getBeanClass().getName() + " and " + type.getName());
            }
        }
    }

    void check(@Observes AfterBeanDiscovery event) {
        for (String problem : problems) {
            event.addDefinitionError(new DeploymentException("wshub: " + problem));
        }
    }

    Map<String, Bean<?>> handlers() {
        return Collections.unmodifiableMap(handlers);
    }
}
