package io.visprompt.remote;

/** A query was abandoned, mid-flight or between tries, because whoever made it asked to stop (a cancelled job). */
public final class RemoteQueryCancelled extends RuntimeException {

    RemoteQueryCancelled(String endpoint) {
        super("Query to " + endpoint + " abandoned: cancelled");
    }
}
