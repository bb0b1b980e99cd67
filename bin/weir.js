#!/usr/bin/env node
// The `weir` command. It checks the Node version first, for a clear message, then loads the CLI:
// the built JavaScript in dist/ (what an installed package runs), or the TypeScript sources when
// Node runs with `--conditions=weir-source` (the repository's own scripts and tests do).
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Keep in step with `engines` in package.json.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22) || major === 23 || (major === 24 && minor < 6)) {
  console.error(
    `weir needs Node.js 22.22 or newer on the 22 line, or 24.6 or newer (24 LTS recommended); this is ${process.version}.`,
  );
  process.exit(1);
}
// Piping into `head` and the like closes stdout early: stop quietly, as other CLIs do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
// V8's code cache on disk: later starts skip compiling the engine again. It is a cache, so it goes
// where caches go ($XDG_CACHE_HOME or ~/.cache), not into the temp directory, which weir leaves as
// it found it. NODE_COMPILE_CACHE passes it on to the task slots' worker threads.
const cache = module.enableCompileCache?.(
  process.env.NODE_COMPILE_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'weir', 'compile-cache'),
);
if (cache?.directory) process.env.NODE_COMPILE_CACHE = cache.directory;
const { main } = await import('#cli');
process.exitCode = await main(process.argv.slice(2));
