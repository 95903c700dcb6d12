package io.kvstore.jepsen.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway answers EtcdClient reads, as etcd 3.4 wrote them during the runs in docs/jepsen.md. */
class MiniJsonTest {
    @Test
    @SuppressWarnings("unchecked")
    void readsARangeAnswer() {
        Map<String, Object> r = (Map<String, Object>) MiniJson.parse("{\"header\":{\"cluster_id\":\"151184955484\","
                + "\"revision\":\"2\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\","
                + "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"MQ==\"}],\"count\":\"1\"}");
        assertEquals(2, MiniJson.integer(MiniJson.object(r, "header"), "revision"));
        Map<String, Object> kv = (Map<String, Object>) ((List<Object>) r.get("kvs")).get(0);
        assertEquals("foo", EtcdClient.unb64((String) kv.get("key")));
        assertEquals("1", EtcdClient.unb64((String) kv.get("value")));
        assertEquals(0, MiniJson.integer(r, "absent"), "the gateway omits zero values");
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsScalarsEscapesAndErrors() {
        Map<String, Object> r = (Map<String, Object>) MiniJson.parse(
                " {\"error\":\"etcdserver: request \\\"timed\\\" out\\n\",\"code\":14,\"ok\":true,\"x\":null,"
                        + "\"f\":-1.5e2,\"u\":\"\\u00e9\",\"a\":[]} ");
        assertEquals("etcdserver: request \"timed\" out\n", r.get("error"));
        assertEquals(14L, r.get("code"));
        assertEquals(Boolean.TRUE, r.get("ok"));
        assertTrue(r.containsKey("x") && r.get("x") == null);
        assertEquals(-150.0, r.get("f"));
        assertEquals("é", r.get("u"));
        assertEquals(List.of(), r.get("a"));
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\":1"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\" 1}"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("\"open"));
    }
}
