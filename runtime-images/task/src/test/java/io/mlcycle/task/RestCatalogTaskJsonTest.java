package io.mlcycle.task;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A rest catalog's settings and token env name travel in the task JSON; older tasks still read. */
@UnitTier
class RestCatalogTaskJsonTest {

    @Test
    void aRestCatalogWithItsTokenEnvRoundTripsThroughTheTaskJson() throws Exception {
        TableCatalog rest =
                new TableCatalog(
                        TableCatalog.REST,
                        "lake",
                        "https://rest.example.com/api",
                        null,
                        "features",
                        "items",
                        PodEnv.CATALOG_USER,
                        PodEnv.CATALOG_PASSWORD,
                        PodEnv.CATALOG_TOKEN);

        String json = TaskJson.write(rest);

        assertTrue(json.contains("\"tokenEnv\":\"MLCYCLE_CATALOG_TOKEN\""), json);
        assertEquals(rest, TaskJson.MAPPER.readValue(json, TableCatalog.class));
    }

    @Test
    void aCatalogWrittenWithoutATokenEnvReadsWithNone() throws Exception {
        TableCatalog jdbc =
                TaskJson.MAPPER.readValue(
                        "{\"type\":\"jdbc\",\"name\":\"lake\",\"uri\":\"jdbc:postgresql://pg/l\","
                                + "\"namespace\":\"features\",\"table\":\"items\","
                                + "\"userEnv\":\"MLCYCLE_CATALOG_USER\"}",
                        TableCatalog.class);

        assertNull(jdbc.tokenEnv());
        assertEquals(PodEnv.CATALOG_USER, jdbc.userEnv());
    }
}
