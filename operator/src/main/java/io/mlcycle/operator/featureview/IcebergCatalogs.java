package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TableCatalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * An Iceberg catalog as the operator hands it to pods, for a FeatureView's store and batch scores
 * alike: its checks, the table a pod opens, the outbound check of a rest catalog, the credentials.
 */
public final class IcebergCatalogs {

    private IcebergCatalogs() {}

    /**
     * The checks of an Iceberg output at {@code field} (its {@code catalog}, {@code format} and
     * {@code uri}, the warehouse unless the catalog names one) that the schema cannot make, each
     * failing naming the field: a catalog is named, a jdbc or rest one has its URL, the warehouse
     * is file:// or s3://, and s3:// only with the JDBC or REST catalog.
     */
    public static void checkCatalog(IcebergCatalog catalog, String uri, String field) {
        if (catalog == null) {
            throw new IllegalArgumentException(
                    field + ".catalog is required with " + field + ".format iceberg");
        }
        if (catalog.type != IcebergCatalog.Type.hadoop) {
            if (catalog.uri == null || catalog.uri.isBlank()) {
                throw new IllegalArgumentException(field + ".catalog.uri is required");
            }
        }
        if (catalog.type == IcebergCatalog.Type.rest) {
            return; // the server places the tables: catalog.warehouse is its property
        }
        String where = catalog.warehouse == null ? field + ".uri" : field + ".catalog.warehouse";
        String warehouse = catalog.warehouse == null ? uri : catalog.warehouse;
        boolean s3 = warehouse.startsWith("s3://");
        if (s3 && catalog.type == IcebergCatalog.Type.hadoop) {
            throw new IllegalArgumentException(
                    field
                            + ".catalog.type hadoop cannot keep a table in "
                            + where
                            + " '"
                            + warehouse
                            + "': Iceberg's Hadoop catalog commits by an atomic rename, which S3"
                            + " lacks; use "
                            + field
                            + ".catalog.type jdbc for an s3:// warehouse");
        }
        if (!s3 && !warehouse.startsWith("file:") && !warehouse.startsWith("/")) {
            throw new IllegalArgumentException(
                    where
                            + ": '"
                            + warehouse
                            + "' is neither file:// nor s3://; an Iceberg store writes those"
                            + " warehouses only");
        }
    }

    /**
     * The Iceberg table a FeatureView commits to (its warehouse and table name resolved), as pods
     * open it; null for the parquet layout.
     */
    public static TableCatalog catalog(FeatureView fv) {
        FeatureViewSpec spec = Defaults.copy(fv.getSpec());
        return spec == null || spec.store == null ? null : catalog(fv.getMetadata(), spec.store);
    }

    static TableCatalog catalog(ObjectMeta meta, FeatureViewSpec.Store store) {
        if (store.format != StoreFormat.iceberg || store.catalog == null) {
            return null;
        }
        return table(
                store.catalog,
                store.uri,
                meta.getName(),
                PivotTasks.CATALOG_USER_ENV,
                PivotTasks.CATALOG_PASSWORD_ENV,
                PivotTasks.CATALOG_TOKEN_ENV);
    }

    /**
     * The table a pod opens: {@code c}'s settings, the warehouse {@code uri} unless it names one (a
     * rest catalog's server places the tables), the table {@code defaultTable} unless it names one,
     * and the credentials (when it has a Secret) from the environment variables named (the token
     * only for a rest catalog).
     */
    public static TableCatalog table(
            IcebergCatalog c,
            String uri,
            String defaultTable,
            String userEnv,
            String passwordEnv,
            String tokenEnv) {
        boolean rest = c.type == IcebergCatalog.Type.rest;
        boolean secret = c.credentialsSecret != null;
        return new TableCatalog(
                c.type.name(),
                c.name,
                c.uri,
                c.warehouse != null || rest ? c.warehouse : uri,
                c.namespace,
                c.table != null ? c.table : defaultTable,
                secret ? userEnv : null,
                secret ? passwordEnv : null,
                secret && rest ? tokenEnv : null);
    }

    /**
     * Why the pods must not call a rest catalog's {@code uri} with its credentials ({@link
     * OutboundPolicy#credentialedRefusal}: https unless in-cluster, loopback or {@code
     * allowPlainHttp}; never link-local or metadata addresses), naming {@code field}{@code .uri};
     * empty when they may or {@code c} is no rest catalog. {@code field} is where the catalog
     * stands: {@code spec.store.catalog}, {@code spec.batch.output.catalog}.
     */
    public static Optional<String> catalogRefusal(
            IcebergCatalog c, String field, OutboundPolicy policy) {
        if (c == null || c.type != IcebergCatalog.Type.rest || c.uri == null) {
            return Optional.empty();
        }
        return policy.credentialedRefusal(
                c.uri,
                field + ".uri",
                Boolean.TRUE.equals(c.allowPlainHttp),
                field + ".allowPlainHttp");
    }

    /**
     * The catalog credentials a pod reading {@code inputs} needs: those of the first input whose
     * Iceberg catalog names credentials (one catalog Secret per pod: the env names are the
     * pivot's).
     */
    public static List<EnvVar> catalogEnv(
            List<FeatureInput> inputs, Function<String, Optional<FeatureView>> lookup) {
        for (FeatureInput in : inputs) {
            if (in.catalog() != null && in.catalog().userEnv() != null) {
                Optional<FeatureView> fv = lookup.apply(in.featureView());
                if (fv.isPresent()) {
                    return catalogEnv(fv.get().getSpec());
                }
            }
        }
        return List.of();
    }

    /**
     * The Iceberg catalog's credentials from its Secret as {@link PivotTasks#CATALOG_USER_ENV} and
     * {@link #PivotTasks.CATALOG_PASSWORD_ENV} (a rest catalog's, each optional, and {@link
     * PivotTasks#CATALOG_TOKEN_ENV} from key {@code token}); empty without one. Pivot, training and
     * batch scoring pods of the view get them.
     */
    public static List<EnvVar> catalogEnv(FeatureViewSpec spec) {
        if (spec == null || spec.store == null) {
            return List.of();
        }
        return catalogEnv(
                spec.store.catalog,
                PivotTasks.CATALOG_USER_ENV,
                PivotTasks.CATALOG_PASSWORD_ENV,
                PivotTasks.CATALOG_TOKEN_ENV);
    }

    /**
     * The credentials of {@code catalog} from its Secret as the environment variables named (a rest
     * catalog's each optional, and {@code tokenEnv} from key {@code token}); empty without a
     * catalog or a Secret.
     */
    public static List<EnvVar> catalogEnv(
            IcebergCatalog catalog, String userEnv, String passwordEnv, String tokenEnv) {
        if (catalog == null || catalog.credentialsSecret == null) {
            return List.of();
        }
        FeatureViewSpec.SecretRef ref = Defaults.copy(catalog.credentialsSecret);
        List<EnvVar> env =
                List.of(
                        RuntimeJobs.secretEnv(userEnv, ref.name, ref.userKey),
                        RuntimeJobs.secretEnv(passwordEnv, ref.name, ref.passwordKey));
        if (catalog.type != IcebergCatalog.Type.rest) {
            return env;
        }
        // a rest catalog takes an OAuth2 client id and secret, a bearer token, or both
        List<EnvVar> rest = new ArrayList<>(env);
        rest.add(RuntimeJobs.secretEnv(tokenEnv, ref.name, IcebergCatalog.TOKEN_KEY));
        rest.forEach(e -> e.getValueFrom().getSecretKeyRef().setOptional(true));
        return rest;
    }
}
