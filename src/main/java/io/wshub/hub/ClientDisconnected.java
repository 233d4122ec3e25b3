package io.wshub.hub;

/** CDI event: a client is gone; {@code closeCode} and {@code reason} say why (who closed it is in the reason). */
public record ClientDisconnected(String clientId, String userId, int closeCode, String reason) {
}
