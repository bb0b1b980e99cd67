package dev.weir.flinkref;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The statements of a published Nexmark SQL file: split on the semicolons that end them (outside
 * quotes and comments), with {@code ${NAME}} placeholders replaced.
 */
final class SqlScript {

  private SqlScript() {}

  /** The kinds of statement a Nexmark query file holds. */
  enum Kind {
    CREATE_TABLE,
    CREATE_VIEW,
    CREATE_FUNCTION,
    INSERT,
    OTHER
  }

  /** One statement: its text as written and its kind. */
  record Statement(String text, Kind kind) {

    /** For an INSERT, the query it inserts: the text after {@code INSERT INTO <table>}. */
    String insertQuery() {
      String body = withoutLeadingComments(text);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?is)^INSERT\\s+INTO\\s+\\S+\\s+(.*)$").matcher(body);
      if (!m.matches()) {
        throw new IllegalArgumentException("not an INSERT INTO statement: " + body);
      }
      return m.group(1);
    }
  }

  /** Replaces every {@code ${NAME}} whose name is a key of {@code values}. */
  static String substitute(String sql, Map<String, String> values) {
    String out = sql;
    for (Map.Entry<String, String> e : values.entrySet()) {
      out = out.replace("${" + e.getKey() + "}", e.getValue());
    }
    return out;
  }

  /** The statements of {@code sql}, in order, without the empty ones. */
  static List<Statement> split(String sql) {
    List<Statement> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int i = 0;
    while (i < sql.length()) {
      char ch = sql.charAt(i);
      if (ch == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? sql.length() : end;
        current.append(sql, i, end);
        i = end;
      } else if (ch == '\'' || ch == '`' || ch == '"') {
        int end = i + 1;
        while (end < sql.length()) {
          if (sql.charAt(end) == ch) {
            // A doubled quote is an escaped quote inside the literal.
            if (end + 1 < sql.length() && sql.charAt(end + 1) == ch) {
              end += 2;
              continue;
            }
            break;
          }
          end++;
        }
        current.append(sql, i, Math.min(end + 1, sql.length()));
        i = end + 1;
      } else if (ch == ';') {
        add(out, current.toString());
        current.setLength(0);
        i++;
      } else {
        current.append(ch);
        i++;
      }
    }
    add(out, current.toString());
    return out;
  }

  private static void add(List<Statement> out, String text) {
    String body = withoutLeadingComments(text);
    if (body.isEmpty()) {
      return;
    }
    String head = body.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    Kind kind =
        head.startsWith("CREATE TABLE")
            ? Kind.CREATE_TABLE
            : head.startsWith("CREATE VIEW")
                ? Kind.CREATE_VIEW
                : head.startsWith("CREATE FUNCTION")
                    ? Kind.CREATE_FUNCTION
                    : head.startsWith("INSERT INTO") ? Kind.INSERT : Kind.OTHER;
    out.add(new Statement(text.strip(), kind));
  }

  /** The text without the blank lines and {@code --} comment lines before the first token. */
  static String withoutLeadingComments(String text) {
    String rest = text.strip();
    while (rest.startsWith("--")) {
      int end = rest.indexOf('\n');
      rest = end < 0 ? "" : rest.substring(end + 1).strip();
    }
    return rest;
  }
}
