package io.visprompt.remote;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code remote_models} table, always filtered by tenant. */
@Repository
class RemoteModelRepository {

    private final JdbcClient jdbc;

    RemoteModelRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @return false when the tenant already has a model of this name */
    boolean insert(Tenant tenant, RemoteModelDefinition d) {
        return jdbc.sql("""
                INSERT INTO remote_models (tenant, name, url, remote_name, input_name, input_shape, input_datatype,
                    input_layout, output_name, output_kind, input_size, resize, mean, std, class_names, auth_header,
                    auth_env, auth_file, created_at)
                VALUES (:tenant, :name, :url, :remote, :inputName, :shape, :datatype, :layout, :outputName,
                    :outputKind, :inputSize, :resize, :mean, :std, :classes, :authHeader, :authEnv, :authFile, :created)
                ON CONFLICT (tenant, name) DO NOTHING
                """).param("tenant", tenant.id()).param("name", d.name()).param("url", d.url())
                .param("remote", d.remoteName()).param("inputName", d.inputName())
                .param("shape", d.inputShape().toArray(Long[]::new)).param("datatype", d.inputDatatype())
                .param("layout", d.inputLayout()).param("outputName", d.outputName())
                .param("outputKind", d.outputKind()).param("inputSize", d.inputSize()).param("resize", d.resize())
                .param("mean", boxed(d.mean())).param("std", boxed(d.std()))
                .param("classes", d.classNames().toArray(String[]::new)).param("authHeader", d.authHeader())
                .param("authEnv", d.authEnv()).param("authFile", d.authFile())
                .param("created", Timestamp.from(d.createdAt())).update() == 1;
    }

    Optional<RemoteModelDefinition> find(Tenant tenant, String name) {
        return jdbc.sql("SELECT * FROM remote_models WHERE tenant = :tenant AND name = :name")
                .param("tenant", tenant.id()).param("name", name).query(RemoteModelRepository::map).optional();
    }

    List<RemoteModelDefinition> list(Tenant tenant) {
        return jdbc.sql("SELECT * FROM remote_models WHERE tenant = :tenant ORDER BY name")
                .param("tenant", tenant.id()).query(RemoteModelRepository::map).list();
    }

    boolean delete(Tenant tenant, String name) {
        return jdbc.sql("DELETE FROM remote_models WHERE tenant = :tenant AND name = :name")
                .param("tenant", tenant.id()).param("name", name).update() == 1;
    }

    private static RemoteModelDefinition map(ResultSet rs, int row) throws SQLException {
        Long[] shape = (Long[]) rs.getArray("input_shape").getArray();
        String[] classes = (String[]) rs.getArray("class_names").getArray();
        return new RemoteModelDefinition(rs.getString("name"), rs.getString("url"), rs.getString("remote_name"),
                rs.getString("input_name"), Arrays.asList(shape), rs.getString("input_datatype"),
                rs.getString("input_layout"), rs.getString("output_name"), rs.getString("output_kind"),
                rs.getInt("input_size"), rs.getInt("resize"), floats(rs.getArray("mean")), floats(rs.getArray("std")),
                List.of(classes), rs.getString("auth_header"), rs.getString("auth_env"), rs.getString("auth_file"),
                rs.getTimestamp("created_at").toInstant());
    }

    private static Float[] boxed(float[] values) {
        if (values == null) {
            return null;
        }
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private static float[] floats(Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        Float[] boxed = (Float[]) array.getArray();
        float[] values = new float[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            values[i] = boxed[i];
        }
        return values;
    }
}
