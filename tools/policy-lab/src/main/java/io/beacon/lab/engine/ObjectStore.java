package io.beacon.lab.engine;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A key-value store of objects, sorted by key, in memory: what the router's processors read and write when the
 * lab drives them. It keeps the stores' contract the processors rely on (point reads, puts, deletes, range
 * scans in key order, iterators the caller may write under) without serialising every value, which would cost the lab
 * more than the routing itself. Keys are strings, whose order is the byte order the router's timer keys are
 * designed for (zero-padded digits).
 */
final class ObjectStore<V> implements KeyValueStore<String, V> {

    private final String name;
    private final NavigableMap<String, V> map = new TreeMap<>();

    ObjectStore(String name) {
        this.name = name;
    }

    @Override
    public void put(String key, V value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public V putIfAbsent(String key, V value) {
        V old = map.get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<String, V>> entries) {
        for (KeyValue<String, V> e : entries) {
            put(e.key, e.value);
        }
    }

    @Override
    public V delete(String key) {
        return map.remove(key);
    }

    @Override
    public V get(String key) {
        return map.get(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        if (from != null && to != null && from.compareTo(to) > 0) {
            return walk(null, "", false);
        }
        return walk(from, to, true);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        return walk(null, null, true);
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    /**
     * Walks the keys from {@code from} (inclusive; null: the first) to {@code to} (inclusive; null: the last),
     * each step the next key after the one returned, so the caller may change the store while iterating (as the
     * router's scan does) and a caller that reads only the first few entries pays for those alone. A key put
     * ahead of the walk during it is met; the router reads what it needs before it writes, so it sees what a
     * snapshot would show.
     */
    private KeyValueIterator<String, V> walk(String from, String to, boolean any) {
        return new KeyValueIterator<>() {
            private Map.Entry<String, V> next = !any ? null : from == null ? map.firstEntry() : map.ceilingEntry(from);

            private boolean inRange() {
                return next != null && (to == null || next.getKey().compareTo(to) <= 0);
            }

            @Override
            public boolean hasNext() {
                return inRange();
            }

            @Override
            public KeyValue<String, V> next() {
                if (!inRange()) {
                    throw new NoSuchElementException();
                }
                KeyValue<String, V> out = KeyValue.pair(next.getKey(), next.getValue());
                next = map.higherEntry(next.getKey());
                return out;
            }

            @Override
            public String peekNextKey() {
                if (!inRange()) {
                    throw new NoSuchElementException();
                }
                return next.getKey();
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
    }

    @Override
    public void close() {
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }
}
