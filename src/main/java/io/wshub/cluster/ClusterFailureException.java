package io.wshub.cluster;

import io.wshub.protocol.ErrorCode;
import io.wshub.protocol.HubException;

/**
 * Redis answered, but with an error that is a bug (WRONGTYPE, a failing script, a reply of an unexpected shape): the
 * cause is logged with its stack and counted where it happens; clients get 1003, backends HTTP 500. Not retried.
 */
public class ClusterFailureException extends HubException {

    public ClusterFailureException(String what) {
        super(ErrorCode.SERVER_ERROR, "the cluster's store failed on " + what + " (see the server log)");
    }
}
