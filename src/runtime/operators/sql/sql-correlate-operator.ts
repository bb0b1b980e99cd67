import type { Row } from '../../../core/row.ts';
import type { TableFunctionDefinition } from '../../../core/table-function.ts';
import { importUserFunction, loadUserFunctions } from '../../../core/user-function.ts';
import { operatorConfig, type SqlCorrelateOperatorConfig } from '../../../graph/operator-spec.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compileProjection } from './expression-compiler.ts';

const EMPTY: readonly unknown[] = [];

/**
 * SQL's Correlate, as Flink's: stateless and synchronous, it calls a table-valued function for each
 * input row and emits the row joined with each row the function makes, with the input row's kind
 * (so a retraction retracts the same expansion). The function is UNNEST (the elements of an ARRAY
 * or MULTISET, the fields of its ROW elements, the entries of a MAP; with the 1-based ordinality
 * when asked) or a user table function, imported from its module when the task opens. A NULL
 * collection makes no rows. LEFT emits a row the function makes nothing of with NULLs.
 */
export class SqlCorrelateOperator extends AbstractStreamOperator {
  private readonly config: Partial<SqlCorrelateOperatorConfig>;
  private readonly width: number;
  private readonly outer: boolean;
  private args: ((values: unknown[]) => unknown[] | null) | undefined;
  private tableFunction: TableFunctionDefinition | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.config = operatorConfig(ctx.spec, 'sql-correlate');
    this.width = this.config.width ?? 0;
    this.outer = this.config.joinType === 'LEFT';
  }

  override async open(): Promise<void> {
    await super.open();
    const functions = await loadUserFunctions(this.config.functions ?? {});
    this.args = compileProjection(this.config.args ?? [], null, {
      now: () => this.ctx.clock.now(),
      userFunction: (name) => functions.get(name),
    });
    const call = this.config.call;
    if (call?.kind === 'udtf') {
      const fn = await importUserFunction(call.location);
      if (fn.kind !== 'table-function')
        throw new Error(
          `export "${call.location.export}" of ${call.location.module} is no longer a table function`,
        );
      this.tableFunction = fn;
    }
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const args = this.args!(row.values)!;
    const call = this.config.call!;
    let emitted = 0;
    if (call.kind === 'unnest') {
      const collection = args[0];
      if (collection !== null && collection !== undefined) {
        if (call.mode === 'map') {
          let i = 0;
          for (const [k, v] of collection as Map<unknown, unknown>) {
            const out = this.joined(row.values);
            const at = row.values.length;
            out[at] = k;
            out[at + 1] = v;
            if (call.ordinality) out[at + 2] = ++i;
            this.output.collect({ kind: row.kind, values: out }, timestamp);
            emitted++;
          }
        } else {
          const elements = collection as unknown[];
          const rows = call.mode === 'rows';
          for (let i = 0; i < elements.length; i++) {
            const out = this.joined(row.values);
            const at = row.values.length;
            const element = elements[i];
            if (rows) {
              const fields = element as unknown[] | null;
              const n = call.ordinality ? this.width - 1 : this.width;
              for (let f = 0; f < n; f++) out[at + f] = fields === null ? null : fields[f];
            } else out[at] = element;
            if (call.ordinality) out[at + this.width - 1] = i + 1;
            this.output.collect({ kind: row.kind, values: out }, timestamp);
            emitted++;
          }
        }
      }
    } else {
      const names = call.fieldNames;
      // No rows may also come back as null or undefined (a function that returns early).
      const results = this.tableFunction!.eval(...args) ?? EMPTY;
      for (const result of results) {
        const out = this.joined(row.values);
        const at = row.values.length;
        if (!call.row) out[at] = result;
        else if (result === null || result === undefined)
          for (let f = 0; f < names.length; f++) out[at + f] = null;
        else if (Array.isArray(result))
          for (let f = 0; f < names.length; f++) out[at + f] = result[f] ?? null;
        else {
          const object = result as Record<string, unknown>;
          for (let f = 0; f < names.length; f++) out[at + f] = object[names[f]] ?? null;
        }
        this.output.collect({ kind: row.kind, values: out }, timestamp);
        emitted++;
      }
    }
    if (emitted === 0 && this.outer) {
      const out = this.joined(row.values);
      for (let f = row.values.length; f < out.length; f++) out[f] = null;
      this.output.collect({ kind: row.kind, values: out }, timestamp);
    }
  }

  /** A new row with the input's values first and room for the function's. */
  private joined(values: unknown[]): unknown[] {
    const out = new Array<unknown>(values.length + this.width);
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
}
