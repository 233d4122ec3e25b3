package io.wshub.cluster;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;

/** Redis cannot be reached: cluster-wide operations fail fast with 1007 (503 in the admin API). */
public class ClusterUnavailableException extends HubException {

    public ClusterUnavailableException(String reason) {
        super(ErrorCode.CLUSTER_UNAVAILABLE, "the cluster is unavailable (" + reason + "); try again shortly");
    }
}
