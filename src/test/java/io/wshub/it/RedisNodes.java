package io.wshub.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real redis-server and Payara Micro nodes (the packaged WAR) sharing it, started together and stopped together:
 * what a multi-node test needs before its first assertion.
 */
final class RedisNodes implements AutoCloseable {

    final RedisProcess redis;
    private final List<PayaraNode> nodes = new ArrayList<>();

    private RedisNodes(RedisProcess redis) {
        this.redis = redis;
    }

    /** Starts Redis under {@code target/<dir>} and one node per id, each with {@code settings} added; waits for all. */
    static RedisNodes start(String dir, Map<String, String> settings, String... nodeIds) {
        RedisNodes cluster = new RedisNodes(new RedisProcess(Path.of("target", dir, "redis")).start());
        try {
            for (String nodeId : nodeIds) {
                Map<String, String> env = new HashMap<>(settings);
                env.put("WSHUB_BUS", "redis");
                env.put("WSHUB_REDIS_URL", cluster.redis.url());
                env.put("WSHUB_NODE_ID", nodeId);
                cluster.nodes.add(PayaraNode.launch(nodeId, env));
            }
            cluster.nodes.forEach(PayaraNode::awaitReady);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close(); // no process outlives a failed start
            throw e;
        }
    }

    PayaraNode node(int index) {
        return nodes.get(index);
    }

    /** Stops every node, then Redis; a failure to stop one does not keep the others running. */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(nodes);
        all.add(redis);
        for (AutoCloseable closeable : all) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // keep stopping the others
            }
        }
    }
}
