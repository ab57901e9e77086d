package io.beacon.lab.engine;

import java.util.ArrayList;
import java.util.Iterator;
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
 * scans in key order, iterators that see a snapshot) without serialising every value, which would cost the lab
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
            return iterator(List.of());
        }
        NavigableMap<String, V> view = from == null && to == null ? map
                : from == null ? map.headMap(to, true)
                : to == null ? map.tailMap(from, true)
                : map.subMap(from, true, to, true);
        return iterator(view.entrySet());
    }

    @Override
    public KeyValueIterator<String, V> all() {
        return iterator(map.entrySet());
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    /** A snapshot, so the caller may change the store while iterating (as the router's scan does). */
    private KeyValueIterator<String, V> iterator(Iterable<Map.Entry<String, V>> entries) {
        List<KeyValue<String, V>> copy = new ArrayList<>();
        for (Map.Entry<String, V> e : entries) {
            copy.add(KeyValue.pair(e.getKey(), e.getValue()));
        }
        Iterator<KeyValue<String, V>> it = copy.iterator();
        return new KeyValueIterator<>() {
            private KeyValue<String, V> peeked;

            @Override
            public boolean hasNext() {
                return peeked != null || it.hasNext();
            }

            @Override
            public KeyValue<String, V> next() {
                if (peeked != null) {
                    KeyValue<String, V> out = peeked;
                    peeked = null;
                    return out;
                }
                return it.next();
            }

            @Override
            public String peekNextKey() {
                if (peeked == null) {
                    if (!it.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    peeked = it.next();
                }
                return peeked.key;
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
