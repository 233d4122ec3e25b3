package io.wshub.admin;

import io.wshub.hub.Messenger;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** Admin requests wait for the cluster calls they start (a backend's thread may wait; a socket thread may not). */
final class Await {

    private Await() {
    }

    /** The stage's result; its failure (a HubException, say) is thrown as it is, for the problem mappers. */
    static <T> T result(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable cause = Messenger.unwrap(e);
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
