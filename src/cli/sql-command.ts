/**
 * `weir sql`: the SQL client. With `-f script.sql` it runs the script's statements in order on the
 * local mini-cluster and prints each result (queries in tableau mode by default); without, it reads
 * statements from the terminal (each ends with `;`). `SET 'sql-client.execution.result-mode' =
 * 'table' | 'changelog' | 'tableau'` chooses how query results show, as in Flink's SQL client.
 * With `-m host:port` (sql-target.ts) the jobs of INSERTs and statement sets go to that cluster's
 * JobManager instead, without waiting for them unless `SET 'table.dml-sync' = 'true'`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WeirError } from '../core/errors.ts';
import type { Row } from '../core/row.ts';
import type { RowField, SqlType } from '../core/sql-type.ts';
import { formatPrintRow, formatTableauRow } from '../core/sql-value-format.ts';
import { formatTable, materialize, type ResultMode } from '../sql/result-printer.ts';
import { TableEnvironment, type TableResult } from '../sql/table-environment.ts';
import { parseDefines, sqlClusterExecutor } from './sql-target.ts';

const RESULT_MODE = 'sql-client.execution.result-mode';

export async function sqlCommand(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  // The package entry registers the local executor and the connectors.
  await import('../index.ts');
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      parallelism: { type: 'string', short: 'p' },
      slots: { type: 'string' },
      'result-mode': { type: 'string' },
      jobmanager: { type: 'string', short: 'm' },
      config: { type: 'string' },
      define: { type: 'string', short: 'D', multiple: true },
      verbose: { type: 'boolean' },
    },
  });
  if (positionals.length > 0)
    throw new WeirError(
      'CLI_USAGE',
      `unexpected arguments: ${positionals.join(' ')} (a script goes after -f)`,
    );
  const parallelism = values.parallelism === undefined ? 1 : Number(values.parallelism);
  if (!(Number.isInteger(parallelism) && parallelism >= 1))
    throw new WeirError('CLI_USAGE', `--parallelism must be a positive integer, got ${values.parallelism}`);
  const slots = values.slots === undefined ? undefined : Number(values.slots);
  const settings = parseDefines(values.define ?? []);
  const executor = await sqlClusterExecutor({
    jobmanager: values.jobmanager,
    configFile: values.config,
    settings,
  });
  const tEnv = TableEnvironment.create({
    baseDir: values.file === undefined ? process.cwd() : dirname(resolve(values.file)),
    parallelism,
    taskSlots: slots,
    config: { [RESULT_MODE]: values['result-mode'] ?? 'tableau', ...settings },
    executor,
  });
  if (values.file !== undefined) {
    const script = readFileSync(values.file, 'utf8');
    for await (const { result } of tEnv.executeScript(script)) await show(result, tEnv, out);
    // Jobs left running on the local cluster would end with this process: wait for them.
    if (tEnv.executionTarget === 'local') await Promise.all(detached.splice(0).map((r) => r.await()));
    return 0;
  }
  return interactive(tEnv, out);
}

function resultMode(tEnv: TableEnvironment): ResultMode {
  const mode = (tEnv.getConfig().get(RESULT_MODE) ?? 'tableau').toLowerCase();
  if (mode !== 'table' && mode !== 'changelog' && mode !== 'tableau') {
    throw new WeirError(
      'INVALID_CONFIG',
      `'${RESULT_MODE}' must be table, changelog or tableau, got '${mode}'`,
    );
  }
  return mode;
}

/** INSERTs not waited for (`table.dml-sync` false). */
const detached: TableResult[] = [];

/** Prints one statement's result as the SQL client does. */
async function show(result: TableResult, tEnv: TableEnvironment, out: (line: string) => void): Promise<void> {
  const fields = result.schema;
  const types = fields.map((f) => f.type);
  if (result.resultKind === 'SUCCESS') {
    out('[INFO] Execute statement succeeded.');
    return;
  }
  const isJob = result.jobClient !== undefined;
  if (isJob && fields.length === 1 && fields[0].name === 'job id') {
    if (!tEnv.isDmlSync()) {
      // As Flink's client without table.dml-sync: the job runs on, the client goes on.
      out('[INFO] Submitting SQL update statement to the cluster...');
      out('[INFO] SQL update statement has been successfully submitted to the cluster:');
      out(`Job ID: ${result.jobClient!.jobId}`);
      detached.push(result);
      return;
    }
    // INSERT: like Flink's client with table.dml-sync, wait for the job and say so.
    out(`[INFO] Submitting SQL update statement to the cluster... Job ID: ${result.jobClient!.jobId}`);
    await result.await();
    out('[INFO] Complete execution of the SQL update statement.');
    return;
  }
  if (!isJob) {
    const rows: Row[] = [];
    for await (const row of result.collect()) rows.push(row);
    if (fields.length === 1 && rows.length === 1 && String(rows[0].values[0]).includes('\n')) {
      out(String(rows[0].values[0]));
      return;
    }
    out(formatTable(rows, fields, false, tableauCells(fields)));
    out(`${rows.length} row${rows.length === 1 ? '' : 's'} in set`);
    return;
  }
  const mode = resultMode(tEnv);
  let count = 0;
  if (mode === 'table') {
    const changelog: Row[] = [];
    for await (const row of result.collect()) changelog.push(row);
    const rows = materialize(changelog);
    out(formatTable(rows, fields, false, tableauCells(fields)));
    out(`Received a total of ${rows.length} row${rows.length === 1 ? '' : 's'}`);
    return;
  }
  if (mode === 'changelog') {
    for await (const row of result.collect()) {
      out(formatPrintRow(row, types));
      count++;
    }
    out(`Received a total of ${count} row${count === 1 ? '' : 's'}`);
    return;
  }
  // Tableau: a header, then each row as it arrives, with its change kind.
  const widths = [2, ...fields.map((f) => Math.max(f.name.length, columnWidth(f.type)))];
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const cell = (v: string, i: number): string =>
    v.length > widths[i] ? `${v.slice(0, widths[i] - 3)}...` : v.padStart(widths[i]);
  out(line);
  out(`| ${['op', ...fields.map((f) => f.name)].map(cell).join(' | ')} |`);
  out(line);
  for await (const row of result.collect()) {
    out(`| ${[row.kind, ...formatTableauRow(row.values, types)].map(cell).join(' | ')} |`);
    count++;
  }
  out(line);
  out(`Received a total of ${count} row${count === 1 ? '' : 's'}`);
}

/** Cells of a row as Flink's client prints them in a table. */
function tableauCells(fields: RowField[]): (values: unknown[]) => string[] {
  const types = fields.map((f) => f.type);
  return (values) => formatTableauRow(values, types);
}

/** A tableau column's width for values of `type`, as Flink's client sizes them (strings up to 30). */
function columnWidth(type: SqlType): number {
  switch (type.kind) {
    case 'BOOLEAN':
      return 5;
    case 'TINYINT':
      return 4;
    case 'SMALLINT':
      return 6;
    case 'INT':
      return 11;
    case 'BIGINT':
      return 20;
    case 'DECIMAL':
      return type.precision + 2;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return 23;
    case 'DATE':
      return 10;
    case 'CHAR':
    case 'VARCHAR':
      return Math.min(type.length, 30);
    default:
      return 30;
  }
}

/** Statements from the terminal: each ends with a `;` outside quotes and comments. */
async function interactive(tEnv: TableEnvironment, out: (line: string) => void): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'Weir SQL> ' });
  // The input may end (a pipe) while a statement still runs: prompt only while it is open.
  let open = true;
  rl.on('close', () => {
    open = false;
  });
  const prompt = (text: string): void => {
    if (!open) return;
    rl.setPrompt(text);
    rl.prompt();
  };
  let buffer = '';
  prompt('Weir SQL> ');
  for await (const line of rl) {
    buffer += `${line}\n`;
    if (!endsStatement(buffer)) {
      prompt('> ');
      continue;
    }
    const text = buffer.trim();
    buffer = '';
    if (/^(quit|exit);?$/i.test(text)) break;
    try {
      for await (const { result } of tEnv.executeScript(text)) await show(result, tEnv, out);
    } catch (error) {
      out(`[ERROR] ${error instanceof WeirError ? `${error.code}: ${error.message}` : String(error)}`);
    }
    prompt('Weir SQL> ');
  }
  rl.close();
  return 0;
}

/** True when `text` holds a `;` outside strings, quoted names and comments, at its end. */
export function endsStatement(text: string): boolean {
  let quote: string | null = null;
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '`') quote = c;
    else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (!/\s/.test(c)) last = c;
  }
  return quote === null && last === ';';
}
