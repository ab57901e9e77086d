package io.beacon.schemas.serde;

/** Constants of the Confluent wire format: one magic byte, then a 4-byte big-endian schema id, then Avro binary. */
final class WireFormat {

    static final byte MAGIC_BYTE = 0;
    static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    static String valueSubject(String topic) {
        return topic + "-value";
    }
}
