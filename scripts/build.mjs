// Builds the package: dist/ holds ESM JavaScript, declarations and source maps, compiled from src/
// by the project's TypeScript (tsconfig.build.json). Runs on `npm run build` and on `prepare`, so
// `npm pack`, `npm publish` and installs from git ship a fresh build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

// The compiler rewrites relative `.ts` specifiers to `.js` in JavaScript but keeps them in
// declarations; consumers type-check without allowImportingTsExtensions, so point them at `.js`.
const specifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;
let files = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const path = join(entry.parentPath, entry.name);
  const text = readFileSync(path, 'utf8');
  const rewritten = text.replace(specifier, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(path, rewritten);
  files++;
}
// The public API names Node's types (Buffer, worker ports): the entry points reference them, so a
// project whose tsconfig lists no `types` still finds them (@types/node is a dependency).
for (const entry of ['index.d.ts', 'testing/index.d.ts']) {
  const path = join(dist, entry);
  writeFileSync(path, `/// <reference types="node" />\n${readFileSync(path, 'utf8')}`);
}
console.log(`weir: built dist/ (${files} declaration files)`);

// The web dashboard (ui/, Vite + Preact) into dist/ui/, which the REST server serves at `/`. Vite
// is a devDependency: an install without it (production-only) keeps the engine and says so.
const vite = join(root, 'node_modules/vite/bin/vite.js');
if (existsSync(vite)) {
  execFileSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  console.log('weir: built dist/ui/ (the web dashboard)');
} else {
  console.log('weir: vite is not installed, dist/ui/ (the web dashboard) not built');
}
