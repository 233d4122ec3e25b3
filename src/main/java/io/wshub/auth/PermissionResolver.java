package io.wshub.auth;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Decides a connection's {@link Permissions}: anonymous clients get {@code wshub.auth.anonymous-permissions}
 * (default everything, as with GoHub's AllowAnonymous); a token grants what its permissions claim
 * ({@code wshub.auth.permissions-claim}, default {@code permissions}) lists plus what its MP-JWT {@code groups} map to
 * through {@code wshub.auth.group.<group>=perm1,perm2}. A token that carries neither grants everything.
 */
@ApplicationScoped
public class PermissionResolver {

    @Inject
    Config config;
    @Inject
    AuthConfig authConfig;

    private Permissions anonymous;

    @PostConstruct
    void parseAnonymous() {
        anonymous = Permissions.parse(split(authConfig.anonymousPermissions()));
    }

    public Permissions anonymous() {
        return anonymous;
    }

    public Permissions of(JsonWebToken token) {
        List<String> granted = new ArrayList<>();
        boolean stated = false;
        Object claim = token.getClaim(authConfig.permissionsClaim());
        if (claim != null) {
            stated = true;
            granted.addAll(values(claim));
        }
        for (String group : token.getGroups() == null ? List.<String>of() : token.getGroups()) {
            var mapped = config.getOptionalValue("wshub.auth.group." + group, String.class);
            if (mapped.isPresent()) {
                stated = true;
                granted.addAll(split(mapped.get()));
            }
        }
        return stated ? Permissions.parse(granted) : Permissions.ALL;
    }

    private static Collection<String> values(Object claim) {
        if (claim instanceof JsonArray array) {
            return array.stream().map(PermissionResolver::text).toList();
        }
        if (claim instanceof Collection<?> collection) {
            return collection.stream().map(v -> v instanceof JsonValue json ? text(json) : String.valueOf(v)).toList();
        }
        return split(claim instanceof JsonString string ? string.getString() : String.valueOf(claim));
    }

    private static String text(JsonValue value) {
        return value instanceof JsonString string ? string.getString() : value.toString();
    }

    private static List<String> split(String list) {
        return Arrays.asList(list.split("[,\\s]+"));
    }
}
