import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WeirError } from '../core/errors.ts';
import { formatError, userLocation } from './error-report.ts';

const weirFile = pathToFileURL(join(import.meta.dirname, '../runtime/task/stream-task.ts')).href;

function errorWithStack(message: string, frames: string[]): Error {
  const error = new Error(message);
  error.stack = [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n');
  return error;
}

describe('error report', () => {
  it("takes the first frame in the user's files, past node: internals, node_modules and Weir's sources", () => {
    const error = errorWithStack('boom', [
      'parse (node:internal/json:10:3)',
      'lib (/srv/app/node_modules/lib/index.js:4:5)',
      `StreamTask.step (${weirFile}:1:1)`,
      'Object.map (file:///srv/app/job.ts?weir-evaluation=2:6:24)',
      'file:///srv/app/job.ts:11:1',
    ]);
    assert.deepEqual(userLocation(error), { file: '/srv/app/job.ts', line: 6, column: 24 });
  });

  it("reads the user's error through the WeirError that reports it, and not the WeirError's own frames", () => {
    const cause = errorWithStack('three', ['Object.map (file:///srv/app/job.ts:6:24)']);
    const report = new WeirError('USER_FUNCTION_FAILED', 'operator "m" failed: three', { cause });
    report.stack = 'WeirError: x\n    at file:///srv/app/job.ts:11:11';
    assert.deepEqual(userLocation(report), { file: '/srv/app/job.ts', line: 6, column: 24 });
    assert.equal(userLocation(new WeirError('GRAPH_MISMATCH', 'x')), undefined);
  });

  it('maps a frame of a compiled file through its inline source map', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-error-report-'));
    try {
      // job.js line 1 column 1 maps to job.ts line 3 column 5 ("AAEI": source 0, line +2, column +4).
      const map = { version: 3, sources: ['job.ts'], names: [], mappings: 'AAEI' };
      const inline = Buffer.from(JSON.stringify(map)).toString('base64');
      writeFileSync(
        join(dir, 'job.js'),
        `throw 1;\n//# sourceMappingURL=data:application/json;base64,${inline}\n`,
      );
      const error = errorWithStack('x', [`file://${join(dir, 'job.js')}:1:1`]);
      assert.deepEqual(userLocation(error), { file: join(dir, 'job.ts'), line: 3, column: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes control characters in what it prints', () => {
    const text = formatError(new WeirError('DESERIALIZATION_FAILED', 'found "\u0000\u001b[31m"'), false);
    assert.equal(
      text,
      'error: DESERIALIZATION_FAILED: found "\\x00\\x1b[31m"\n(run with --verbose for the stack trace)',
    );
  });
});
