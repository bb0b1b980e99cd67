package dev.weir.flinkref;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the published Nexmark queries on Apache Flink over events dumped from Weir's generator, and
 * writes each query's canonical result and a manifest (format: test/sql/nexmark/README.md).
 *
 * <p>Each query gets a fresh StreamTableEnvironment at parallelism 1 in which the {@code
 * nexmark} table is the published DDL (ddl_gen.sql) with its connector options replaced by a
 * filesystem json source over the dumped events (same schema, computed {@code dateTime} and
 * watermark), then the published views (ddl_views.sql), then the query file's own statements. The
 * query's INSERT is not run into its blackhole sink: its SELECT is collected as a retract changelog
 * (every row kind, -U before +U).
 *
 * <p>Arguments: {@code --events FILE --queries DIR --flink-home DIR --work DIR --out DIR
 * [--rate R] [--only q1,q2]}. {@code --flink-home} holds {@code data/side_input.txt} for q13.
 */
public final class ReferenceRunner {

  /** Queries whose results depend on the wall clock and so are not computed. */
  private static final Map<String, String> PROCESSING_TIME =
      Map.of("q12", "tumbling windows over PROCTIME(): results depend on the wall clock");

  /**
   * Upsert keys (column positions) of queries whose Flink changelog may come as an upsert stream.
   * Flink 2.3 plans q9's top-1 (ORDER BY price DESC, dateTime ASC over a join) as insert-only and
   * then emits +U without -U: its rows are replaced per auction id, the Rank's partition key.
   */
  private static final Map<String, int[]> UPSERT_KEYS = Map.of("q9", new int[] {0});

  /** Canonical .gz files above this size are cut to their first HEAD_LINES lines. */
  private static final long MAX_GZ_BYTES = 1_000_000;

  private static final int HEAD_LINES = 2_000;
  private static final int MAX_ERROR_CHARS = 4_000;
  private static final String PUBLISHED_UDF = "'com.github.nexmark.flink.udf.CountChar'";
  private static final String OUR_UDF = "'" + CountChar.class.getName() + "'";

  private final Path events;
  private final Path queries;
  private final Path flinkHome;
  private final Path work;
  private final Path out;

  private ReferenceRunner(Path events, Path queries, Path flinkHome, Path work, Path out) {
    this.events = events;
    this.queries = queries;
    this.flinkHome = flinkHome;
    this.work = work;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    for (String required : List.of("--events", "--queries", "--flink-home", "--work", "--out")) {
      if (!opts.containsKey(required)) {
        throw new IllegalArgumentException("missing option " + required);
      }
    }
    ReferenceRunner runner =
        new ReferenceRunner(
            Path.of(opts.get("--events")).toAbsolutePath(),
            Path.of(opts.get("--queries")).toAbsolutePath(),
            Path.of(opts.get("--flink-home")).toAbsolutePath(),
            Path.of(opts.get("--work")).toAbsolutePath(),
            Path.of(opts.get("--out")).toAbsolutePath());
    Set<String> only = new LinkedHashSet<>();
    if (opts.containsKey("--only")) {
      only.addAll(List.of(opts.get("--only").split(",")));
    }
    runner.run(only, opts.getOrDefault("--rate", "unknown"));
  }

  private void run(Set<String> only, String rate) throws Exception {
    Files.createDirectories(out);
    Files.createDirectories(work.resolve("canonical"));
    Map<String, String> entries = readExistingEntries();
    for (int q = 0; q <= 22; q++) {
      String name = "q" + q;
      if (!only.isEmpty() && !only.contains(name)) {
        continue;
      }
      long start = System.nanoTime();
      String entry = runQuery(name);
      entries.put(name, entry);
      Matcher status = Pattern.compile("\"status\":\"([^\"]*)\",\"rows\":(\\w+)").matcher(entry);
      System.out.printf(
          "%s: %s, %s rows (%.1f s)%n",
          name,
          status.find() ? status.group(1) : "?",
          status.group(2),
          (System.nanoTime() - start) / 1e9);
    }
    writeManifest(entries, rate);
  }

  /** Runs one query and writes its output files; returns its manifest entry as JSON. */
  private String runQuery(String name) throws IOException {
    Path gz = out.resolve(name + ".jsonl.gz");
    Path headGz = out.resolve(name + ".head.jsonl.gz");
    Files.deleteIfExists(gz);
    Files.deleteIfExists(headGz);
    String sql = Files.readString(queries.resolve(name + ".sql"));
    ResolvedSchema schema = null;
    try {
      StreamTableEnvironment env = environment();
      String select = null;
      for (SqlScript.Statement s : SqlScript.split(substitute(sql))) {
        switch (s.kind()) {
          case INSERT -> select = s.insertQuery();
          case CREATE_FUNCTION -> env.executeSql(s.text().replace(PUBLISHED_UDF, OUR_UDF));
          default -> env.executeSql(s.text());
        }
      }
      if (select == null) {
        throw new IllegalStateException(name + ".sql has no INSERT INTO statement");
      }
      Table table = env.sqlQuery(select);
      schema = table.getResolvedSchema();
      if (PROCESSING_TIME.containsKey(name)) {
        return entry("processing-time", schema, null, null, PROCESSING_TIME.get(name));
      }
      Canonical.Result result = new Canonical.Result(UPSERT_KEYS.get(name));
      // Asking for every row kind makes the planner send -U before each +U, so that the changelog
      // applies to a multiset (q9 is the exception, see UPSERT_KEYS). WEIR_FLINK_EXPLAIN=1 prints
      // the plan with its changelog modes.
      DataStream<Row> changelog =
          env.toChangelogStream(table, Schema.derived(), ChangelogMode.all());
      if (System.getenv("WEIR_FLINK_EXPLAIN") != null) {
        System.out.println(
            table.explain(ExplainDetail.CHANGELOG_MODE));
      }
      try (CloseableIterator<Row> it = changelog.executeAndCollect()) {
        while (it.hasNext()) {
          result.apply(it.next());
        }
      }
      List<String> lines = result.sortedLines();
      byte[] text = Canonical.text(lines).getBytes(StandardCharsets.UTF_8);
      Files.write(work.resolve("canonical").resolve(name + ".jsonl"), text);
      byte[] compressed = gzip(text);
      String file;
      if (compressed.length <= MAX_GZ_BYTES) {
        Files.write(gz, compressed);
        file = gz.getFileName().toString();
      } else {
        List<String> head = lines.subList(0, Math.min(HEAD_LINES, lines.size()));
        Files.write(headGz, gzip(Canonical.text(head).getBytes(StandardCharsets.UTF_8)));
        file = headGz.getFileName().toString();
      }
      StringBuilder extra = new StringBuilder();
      extra.append(",\"sha256\":").append(Canonical.quote(sha256(text)));
      extra.append(",\"file\":").append(Canonical.quote(file));
      extra.append(",\"fileLines\":").append(file.equals(gz.getFileName().toString())
          ? lines.size() : Math.min(HEAD_LINES, lines.size()));
      // The kind of changelog, not its message counts: those vary with how the task interleaves
      // its inputs (the final rows do not), and the manifest must be the same on every run.
      extra.append(",\"changelog\":").append(Canonical.quote(result.mode()));
      if (result.isUpsertStream()) {
        extra.append(",\"note\":").append(Canonical.quote(
            "Flink emitted an upsert stream (+U without -U), applied by key on column "
                + schema.getColumns().get(UPSERT_KEYS.get(name)[0]).getName()
                + ": each +I/+U replaces the row of its key"));
      }
      return entry("ok", schema, (long) lines.size(), extra.toString(), null);
    } catch (Throwable t) {
      return entry("flink-unsupported", schema, null, null, errorMessage(t));
    }
  }

  private StreamTableEnvironment environment() {
    Configuration conf = new Configuration();
    conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    conf.set(ExecutionConfigOptions.TABLE_EXEC_RESOURCE_DEFAULT_PARALLELISM, 1);
    conf.set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
    StreamTableEnvironment env =
        StreamTableEnvironment.create(
            StreamExecutionEnvironment.getExecutionEnvironment(conf),
            EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
    try {
      env.executeSql(nexmarkTable());
      for (SqlScript.Statement s :
          SqlScript.split(
              substitute(Files.readString(queries.resolve("ddl_views.sql"))))) {
        env.executeSql(s.text());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return env;
  }

  /**
   * The published ddl_gen.sql with the table named {@code nexmark} and its WITH options (the
   * Nexmark generator connector) replaced by a filesystem json source over the dumped events.
   */
  private String nexmarkTable() throws IOException {
    String ddl = Files.readString(queries.resolve("ddl_gen.sql")).strip();
    Matcher m = Pattern.compile("(?s)^CREATE TABLE datagen (\\(.*\\)) WITH \\(.*\\);?$").matcher(ddl);
    if (!m.matches()) {
      throw new IllegalStateException("ddl_gen.sql is not of the expected shape");
    }
    return "CREATE TABLE nexmark "
        + m.group(1)
        + " WITH (\n    'connector' = 'filesystem',\n    'path' = "
        + sqlString(events.toUri().toString())
        + ",\n    'format' = 'json',\n    'json.fail-on-missing-field' = 'true'\n)";
  }

  private String substitute(String sql) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("NEXMARK_TABLE", "nexmark");
    values.put("NEXMARK_DIR", work.resolve("q10").toString());
    values.put("SUBMIT_TIME", "reference");
    values.put("FLINK_HOME", flinkHome.toString());
    return SqlScript.substitute(sql, values);
  }

  private static String sqlString(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private String entry(
      String status, ResolvedSchema schema, Long rows, String extra, String error) {
    StringBuilder sb = new StringBuilder("{\"status\":").append(Canonical.quote(status));
    sb.append(",\"rows\":").append(rows == null ? "null" : rows.toString());
    if (extra != null) {
      sb.append(extra);
    } else {
      sb.append(",\"sha256\":null");
    }
    sb.append(",\"columns\":");
    if (schema == null) {
      sb.append("null");
    } else {
      sb.append('[');
      List<Column> columns = schema.getColumns();
      for (int i = 0; i < columns.size(); i++) {
        LogicalType type = columns.get(i).getDataType().getLogicalType();
        if (i > 0) {
          sb.append(',');
        }
        sb.append("{\"name\":").append(Canonical.quote(columns.get(i).getName()));
        sb.append(",\"type\":").append(Canonical.quote(typeName(type)));
        sb.append(",\"nullable\":").append(type.isNullable()).append('}');
      }
      sb.append(']');
    }
    if (error != null) {
      sb.append(",\"error\":").append(Canonical.quote(error));
    }
    return sb.append('}').toString();
  }

  /** Flink's name of a type without nullability or time attribute marks, e.g. DECIMAL(23, 3). */
  static String typeName(LogicalType type) {
    return type.copy(true).asSummaryString().replaceAll(" \\*[A-Z]+\\*$", "");
  }

  /** The messages of an error and its causes, one per line, cut to a readable length. */
  private static String errorMessage(Throwable t) {
    List<String> parts = new ArrayList<>();
    for (Throwable c = t; c != null && parts.size() < 8; c = c.getCause()) {
      String msg = c.getClass().getName() + ": " + String.valueOf(c.getMessage()).strip();
      if (msg.length() > 1_000) {
        msg = msg.substring(0, 1_000) + " [...]";
      }
      if (parts.isEmpty() || !parts.get(parts.size() - 1).equals(msg)) {
        parts.add(msg);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    String all = String.join("\nCaused by: ", parts);
    return all.length() > MAX_ERROR_CHARS ? all.substring(0, MAX_ERROR_CHARS) + " [...]" : all;
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(data);
    }
    return bytes.toByteArray();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Entries of an existing manifest, kept when only some queries are re-run. */
  private Map<String, String> readExistingEntries() throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    Path manifest = out.resolve("manifest.json");
    if (!Files.exists(manifest)) {
      return entries;
    }
    // The manifest is ours: one query entry per line, `  "qN": {...},`.
    Pattern line = Pattern.compile("^    \"(q\\d+)\": (\\{.*\\}),?$");
    for (String l : Files.readAllLines(manifest)) {
      Matcher m = line.matcher(l);
      if (m.matches()) {
        entries.put(m.group(1), m.group(2));
      }
    }
    return entries;
  }

  private void writeManifest(Map<String, String> entries, String rate) throws IOException {
    long eventCount;
    try (var lines = Files.lines(events)) {
      eventCount = lines.count();
    }
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"flinkVersion\": ").append(Canonical.quote(EnvironmentInformation.getVersion()));
    sb.append(",\n  \"parallelism\": 1");
    sb.append(",\n  \"events\": {\"count\": ").append(eventCount);
    sb.append(", \"rate\": ").append(rate.matches("\\d+") ? rate : Canonical.quote(rate));
    sb.append(", \"sha256\": ").append(Canonical.quote(sha256(events))).append('}');
    sb.append(",\n  \"queries\": {\n");
    List<String> names = new ArrayList<>();
    for (int q = 0; q <= 22; q++) {
      if (entries.containsKey("q" + q)) {
        names.add("q" + q);
      }
    }
    for (int i = 0; i < names.size(); i++) {
      sb.append("    ").append(Canonical.quote(names.get(i))).append(": ");
      sb.append(entries.get(names.get(i))).append(i + 1 < names.size() ? ",\n" : "\n");
    }
    sb.append("  }\n}\n");
    Files.writeString(out.resolve("manifest.json"), sb.toString());
  }
}
