package io.wshub.cdi;

import java.util.function.Supplier;

/**
 * An application-scoped bean that can hand out itself rather than its client proxy: hot paths keep it in a field and
 * skip the proxy's context lookup on every call (an application-scoped bean lives as long as its users).
 *
 * @param <T> the bean's class
 */
public interface Unproxied<T> {

    /**
     * The bean itself. Called through the client proxy, this runs on the bean; wrapped in a supplier, because Weld's
     * client proxy hands back itself in place of a returned {@code this}.
     */
    @SuppressWarnings("unchecked")
    default Supplier<T> direct() {
        T self = (T) this;
        return () -> self;
    }
}
