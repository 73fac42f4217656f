package io.mlcycle.lake;

import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.Summary;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManageSnapshots;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SupportsPrefixOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A feature table as an Iceberg table: each as-of date is one atomic overwrite commit of the
 * Parquet files a run wrote, tagged {@code asOf-<date>}; keep-N expires older versions; readers
 * plan a scan by tag.
 */
public final class LakeTable {

    /** Tag prefix of a version: {@code asOf-2026-11-20}. */
    public static final String TAG_PREFIX = "asOf-";

    /** Commit attempts before a version is refused because other writers kept committing. */
    public static final int COMMIT_ATTEMPTS = 10;

    private static final String BACKFILL_BRANCH = "mlcycle-backfill-";

    private final LakeCatalog settings;
    private final Table table;

    private LakeTable(LakeCatalog settings, Table table) {
        this.settings = settings;
        this.table = table;
    }

    /**
     * Loads the table, or creates it with the feature table schema and the name mapping for
     * DuckDB's files. A table someone else created with other columns is refused ({@code
     * TableSchemaMismatch}, naming catalog, table and column).
     */
    public static LakeTable openOrCreate(LakeCatalog settings) {
        return openOrCreate(settings, FeatureTableSchema.KIND);
    }

    /**
     * {@link #openOrCreate(LakeCatalog)} for a table of {@code kind} (a feature table, a scores
     * table); a table with other columns is refused naming them.
     */
    public static LakeTable openOrCreate(LakeCatalog settings, TableKind kind) {
        Catalog catalog = settings.open();
        try {
            Table table;
            try {
                table = catalog.loadTable(settings.identifier());
            } catch (NoSuchTableException e) {
                table =
                        catalog.buildTable(settings.identifier(), kind.schema())
                                .withProperty(TableProperties.FORMAT_VERSION, "2")
                                .withProperty(
                                        TableProperties.DEFAULT_NAME_MAPPING,
                                        kind.nameMappingJson())
                                .create();
            }
            kind.check(settings.describe(), table.schema());
            return new LakeTable(settings, table);
        } catch (TaskFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw settings.unreachable(e);
        }
    }

    /**
     * Loads an existing table for reading; a missing one is {@code Invalid}, reason {@code
     * TableNotFound}, naming catalog and table.
     */
    public static LakeTable open(LakeCatalog settings) {
        return open(settings, FeatureTableSchema.KIND);
    }

    /** {@link #open(LakeCatalog)} for a table of {@code kind}. */
    public static LakeTable open(LakeCatalog settings, TableKind kind) {
        Catalog catalog = settings.open();
        try {
            Table table = catalog.loadTable(settings.identifier());
            kind.check(settings.describe(), table.schema());
            return new LakeTable(settings, table);
        } catch (NoSuchTableException e) {
            throw TaskFailure.invalid(
                    "TableNotFound",
                    settings.describe() + " does not exist: nothing was committed");
        } catch (TaskFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw settings.unreachable(e);
        }
    }

    public Table table() {
        return table;
    }

    /** The table in its catalog, for messages and summaries. */
    public String describe() {
        return settings.describe();
    }

    /** Where a run writes its Parquet files before committing them. */
    public String dataLocation(String asOf) {
        return table.locationProvider().newDataLocation("asOf=" + asOf);
    }

    /**
     * A fresh location for one run's files under {@link #dataLocation}: {@code
     * asOf=<date>/<millis>-<uuid>}, so no run ever overwrites another's files.
     */
    public String runLocation(String asOf) {
        return dataLocation(asOf) + "/" + System.currentTimeMillis() + "-" + UUID.randomUUID();
    }

    /** True when the table's files lie on a local file system ({@code file://} warehouse). */
    public boolean isLocal() {
        return table.locationProvider().newDataLocation("probe").startsWith("file:");
    }

    /**
     * Uploads every file under {@code dir} to {@code location} through the table's own FileIO
     * (Iceberg's {@code S3FileIO} on an {@code s3://} warehouse); returns each local file with its
     * uploaded location. Nothing is committed: on failure call {@link #deleteLocation}.
     */
    public Map<Path, String> upload(Path dir, String location) throws IOException {
        Map<Path, String> uploaded = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try {
            for (Path file : files) {
                String target = location + "/" + dir.relativize(file).toString();
                try (PositionOutputStream out =
                        table.io().newOutputFile(target).createOrOverwrite()) {
                    Files.copy(file, out);
                }
                uploaded.put(file, target);
            }
        } catch (RuntimeException | IOException e) {
            throw settings.unreachable(e);
        }
        return uploaded;
    }

    /** Deletes everything at {@code location} (a run's directory or prefix); best effort. */
    public void deleteLocation(String location) {
        try {
            if (location.startsWith("file:")) {
                VersionedStore.deleteRecursively(Path.of(URI.create(location)));
            } else if (table.io() instanceof SupportsPrefixOperations prefixes) {
                // one DELETE per object: S3-compatible servers (S3Proxy) refuse the SDK's
                // checksummed multi-object delete
                String prefix = location.endsWith("/") ? location : location + "/";
                for (FileInfo f : prefixes.listPrefix(prefix)) {
                    table.io().deleteFile(f.location());
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // unreferenced files are never read: no snapshot names them
        }
    }

    /** Commits Parquet files that lie where the table keeps them (a {@code file://} warehouse). */
    public long commit(String asOf, List<Path> parquetFiles, Map<String, String> summary) {
        Map<Path, String> files = new LinkedHashMap<>();
        parquetFiles.forEach(p -> files.put(p, p.toUri().toString()));
        return commit(asOf, files, summary);
    }

    /**
     * Commits the Parquet files of one version as ONE Iceberg commit: the table's rows become
     * exactly these files and tag {@code asOf-<date>} names the snapshot (replacing the date's
     * older version). An as-of older than the newest one (a backfill) is committed beside the
     * current snapshot, which stays. When another writer committed first, the whole commit is
     * decided again on the new state and retried; after {@value #COMMIT_ATTEMPTS} attempts it is
     * refused ({@code CommitConflict}) and nothing of it is visible.
     *
     * @param parquetFiles each file's local copy (its footer and size are read there) and its
     *     location in the table
     */
    public long commit(String asOf, Map<Path, String> parquetFiles, Map<String, String> summary) {
        if (parquetFiles.isEmpty()) {
            throw TaskFailure.invalid("EmptyVersion", "no data files to commit for asOf " + asOf);
        }
        List<DataFile> files = dataFiles(parquetFiles);
        CommitFailedException last = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            try {
                return commitOnce(asOf, files, summary);
            } catch (CommitFailedException e) {
                last = e;
                backOff(attempt);
            } catch (RuntimeException e) {
                if (e instanceof TaskFailure || e instanceof IllegalArgumentException) {
                    throw e;
                }
                throw settings.unreachable(e);
            }
        }
        throw new TaskFailure(
                Summary.Outcome.Failed,
                "CommitConflict",
                settings.describe()
                        + " changed under "
                        + COMMIT_ATTEMPTS
                        + " commits of asOf "
                        + asOf
                        + " in a row; nothing of it was committed: "
                        + last.getMessage());
    }

    private long commitOnce(String asOf, List<DataFile> files, Map<String, String> summary) {
        table.refresh();
        String tag = TAG_PREFIX + asOf;
        String newest = newestAsOf();
        boolean backfill = newest != null && asOf.compareTo(newest) < 0;
        String branch = backfill ? BACKFILL_BRANCH + asOf : SnapshotRef.MAIN_BRANCH;
        Transaction tx = table.newTransaction();
        OverwriteFiles overwrite =
                tx.newOverwrite().overwriteByRowFilter(Expressions.alwaysTrue()).toBranch(branch);
        files.forEach(overwrite::addFile);
        overwrite.set(ScanPlan.AS_OF, asOf);
        summary.forEach(overwrite::set);
        overwrite.commit();
        long snapshotId = tx.table().refs().get(branch).snapshotId();
        ManageSnapshots refs = tx.manageSnapshots();
        if (tx.table().refs().containsKey(tag)) {
            refs.replaceTag(tag, snapshotId);
        } else {
            refs.createTag(tag, snapshotId);
        }
        if (backfill) {
            refs.removeBranch(branch);
        }
        refs.commit();
        tx.commitTransaction();
        return snapshotId;
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(20, 100) * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between commit attempts", e);
        }
    }

    /**
     * Keeps the {@code keep} newest as-of tags, removes older ones and expires every snapshot no
     * tag or branch names (deleting the data files only they held).
     */
    public List<String> expire(int keep) {
        table.refresh();
        List<String> tags = asOfTags();
        List<String> removed = new ArrayList<>();
        if (tags.size() > keep) {
            ManageSnapshots refs = table.manageSnapshots();
            for (String asOf : tags.subList(keep, tags.size())) {
                refs.removeTag(TAG_PREFIX + asOf);
                removed.add(asOf);
            }
            refs.commit();
        }
        table.refresh();
        Set<Long> named =
                table.refs().values().stream()
                        .map(SnapshotRef::snapshotId)
                        .collect(Collectors.toSet());
        ExpireSnapshots expire = table.expireSnapshots().deleteWith(table.io()::deleteFile);
        Set<String> sideFiles = new HashSet<>();
        Set<String> keptSideFiles = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            String features = s.summary().get(ScanPlan.FEATURES);
            if (named.contains(s.snapshotId())) {
                keptSideFiles.add(features);
            } else {
                // naming the snapshots makes Iceberg delete every file no kept snapshot reaches,
                // not only the files the expired snapshots themselves removed
                expire.expireSnapshotId(s.snapshotId());
                sideFiles.add(features);
            }
        }
        if (!sideFiles.isEmpty()) {
            expire.commit();
            sideFiles.removeAll(keptSideFiles);
            sideFiles.forEach(this::deleteRunDirectory);
        }
        return removed;
    }

    /**
     * Deletes the directory of an expired version's {@code features.json} (a run's own directory,
     * with its side files: stats, wide export), once Iceberg deleted its data files.
     */
    private void deleteRunDirectory(String featuresUri) {
        if (featuresUri == null) {
            return;
        }
        if (!featuresUri.startsWith("file:")) {
            deleteLocation(featuresUri.substring(0, featuresUri.lastIndexOf('/') + 1));
            return;
        }
        try {
            VersionedStore.deleteRecursively(Path.of(URI.create(featuresUri)).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The as-of dates the table has a tag for, newest first. */
    public List<String> asOfTags() {
        return table.refs().entrySet().stream()
                .filter(e -> e.getValue().isTag() && e.getKey().startsWith(TAG_PREFIX))
                .map(e -> e.getKey().substring(TAG_PREFIX.length()))
                .sorted(Comparator.reverseOrder())
                .toList();
    }

    private String newestAsOf() {
        List<String> tags = asOfTags();
        return tags.isEmpty() ? null : tags.get(0);
    }

    /** The scan of one as-of version, by its tag; a missing tag names the dates there are. */
    public ScanPlan plan(String asOf) {
        table.refresh();
        SnapshotRef ref = table.refs().get(TAG_PREFIX + asOf);
        if (ref == null) {
            throw TaskFailure.invalid(
                    "AsOfNotInTable",
                    settings.describe()
                            + " has no version asOf "
                            + asOf
                            + " (tag "
                            + TAG_PREFIX
                            + asOf
                            + "); it has "
                            + asOfTags());
        }
        return plan(ref.snapshotId());
    }

    /** The scan of the current version (the table's main branch). */
    public ScanPlan planCurrent() {
        table.refresh();
        if (table.currentSnapshot() == null) {
            throw TaskFailure.invalid(
                    "AsOfNotInTable", settings.describe() + " has no committed version yet");
        }
        return plan(table.currentSnapshot().snapshotId());
    }

    private ScanPlan plan(long snapshotId) {
        List<String> locations = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().useSnapshot(snapshotId).planFiles()) {
            for (FileScanTask task : tasks) {
                locations.add(task.file().location());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> summary = new TreeMap<>(table.snapshot(snapshotId).summary());
        return new ScanPlan(
                settings.describe(),
                snapshotId,
                summary.get(ScanPlan.AS_OF),
                List.copyOf(locations),
                summary);
    }

    /** Data files with the sizes and row counts of their Parquet footers (read by DuckDB). */
    private static List<DataFile> dataFiles(Map<Path, String> parquetFiles) {
        List<DataFile> out = new ArrayList<>();
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            for (Map.Entry<Path, String> placed : parquetFiles.entrySet()) {
                Path file = placed.getKey();
                long rows;
                try (ResultSet rs =
                        st.executeQuery(
                                "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata("
                                        + SparseTables.literal(file.toString())
                                        + ")")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                out.add(
                        DataFiles.builder(PartitionSpec.unpartitioned())
                                .withPath(placed.getValue())
                                .withFormat(FileFormat.PARQUET)
                                .withFileSizeInBytes(Files.size(file))
                                .withRecordCount(rows)
                                .build());
            }
        } catch (SQLException | IOException e) {
            throw TaskFailure.invalid(
                    "UnreadableDataFile", "cannot read a Parquet footer: " + e.getMessage());
        }
        return out;
    }
}
