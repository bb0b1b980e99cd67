/**
 * Start-up time, as a user feels it: wall time from process start to exit of `weir --version` and
 * of a three-element job (bench/jobs/three-elements.ts), next to a bare `node -e` script. The CLI
 * runs the built package (dist/, without the weir-source condition), as an installed copy does.
 * The commands run interleaved, `--runs` rounds (default 20); each line gives the median and the
 * 90th percentile.
 *
 *   npm run build && node bench/startup.ts [--runs N] [--cli <path to bin/weir.js>]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, cli: { type: 'string' } },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = values.cli ?? `${root}bin/weir.js`;
const job = `${root}bench/jobs/three-elements.ts`;
const env = { ...process.env };
delete env.NODE_OPTIONS;

const commands: [string, string[]][] = [
  ['node -e (bare Node)', ['-e', 'process.exitCode = 0']],
  ['weir --version', [cli, '--version']],
  ['weir run (3 elements)', [cli, 'run', job]],
];
const times = commands.map(() => [] as number[]);
const runs = Number(values.runs);
for (let round = 0; round < runs; round++) {
  commands.forEach(([name, args], i) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
    times[i]!.push(ms);
  });
}
console.log(`Node ${process.version}, ${runs} interleaved runs each`);
commands.forEach(([name], i) => {
  const sorted = times[i]!.sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
  console.log(
    `${name.padEnd(24)} median ${median.toFixed(0).padStart(5)} ms   p90 ${p90.toFixed(0).padStart(5)} ms`,
  );
});
