package io.wshub.cluster;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The Redis engines' Lua scripts: files under {@code io/wshub/cluster/redis/}, read once, run by SHA (EVALSHA). A Redis
 * that does not know a script (it restarted, or SCRIPT FLUSH) answers NOSCRIPT; the script is then loaded and run
 * again. Every key a script touches is passed in KEYS. A script may start with functions of its own files (named after
 * it), which are put before its text: {@code presence_version.lua} for the three scripts that decide presence
 * transitions.
 */
public enum RedisScripts {
    ADD_CLIENT("add_client", "presence_version"),
    UPDATE_CLIENT("update_client", "presence_version"),
    REMOVE_CLIENT("remove_client", "presence_version"),
    JOIN("join"),
    LEAVE("leave"),
    CREATE_ROOM("create_room"),
    DELETE_ROOM("delete_room"),
    BEAT("beat"),
    REGISTER_NODE("register_node"),
    CLAIM_NODE("claim_node"),
    FORGET_ROOMS("forget_rooms"),
    HISTORY_APPEND("history_append"),
    HISTORY_POSITION("history_position"),
    HISTORY_READ("history_read"),
    IDEMPOTENCY_CLAIM("idempotency_claim"),
    OFFLINE_STORE("offline_store"),
    OFFLINE_TAKE("offline_take");

    private final String file;
    private final String source;
    private final String sha;

    RedisScripts(String name, String... functions) {
        this.file = "/io/wshub/cluster/redis/" + name + ".lua";
        StringBuilder text = new StringBuilder();
        for (String function : functions) {
            text.append(read("/io/wshub/cluster/redis/" + function + ".lua"));
        }
        this.source = text.append(read(file)).toString();
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(String file) {
        try (InputStream in = RedisScripts.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String sha() {
        return sha;
    }

    public String source() {
        return source;
    }

    /** Runs the script by SHA; loads it first when Redis does not know it. */
    public Object run(UnifiedJedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            jedis.scriptLoad(source);
            return jedis.evalsha(sha, keys, args);
        }
    }

    /** Runs the script by SHA with binary arguments; loads it first when Redis does not know it. */
    public Object run(UnifiedJedis jedis, List<byte[]> keys, List<byte[]> args, boolean binary) {
        byte[] shaBytes = sha.getBytes(StandardCharsets.UTF_8);
        try {
            return jedis.evalsha(shaBytes, keys, args);
        } catch (JedisNoScriptException e) {
            jedis.scriptLoad(source);
            return jedis.evalsha(shaBytes, keys, args);
        }
    }

    /** Queues the script in a pipeline; the caller {@link #loadAll loads} the scripts before a pipelined batch. */
    public Response<Object> queue(AbstractPipeline pipeline, List<String> keys, List<String> args) {
        return pipeline.evalsha(sha, keys, args);
    }

    /** Makes sure Redis knows every script (idempotent), before pipelines that use them. */
    public static void loadAll(UnifiedJedis jedis) {
        for (RedisScripts script : values()) {
            jedis.scriptLoad(script.source);
        }
    }

    @Override
    public String toString() {
        return file;
    }
}
