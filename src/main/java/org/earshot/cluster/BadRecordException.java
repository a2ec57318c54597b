package org.earshot.cluster;

/** A Kafka record that is not a valid {@link ClusterRecord}; the message names the problem (never the whole value). */
public final class BadRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String message) {
        super(message);
    }
}
