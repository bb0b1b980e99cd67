/**
 * The documentation speaks of this repository alone and shows commands as a user types them:
 * - every `weir` command a user is told to run is `npx weir ...` (the package's binary in their
 *   project), never a bare `weir ...` or `node bin/weir.js ...`;
 * - no file refers to files outside the repository (design notes, benchmark specs or paths of the
 *   machine it was written on).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const repo = join(import.meta.dirname, '../..');

function files(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, accept));
    else if (accept(name)) out.push(path);
  }
  return out;
}

const docs = [
  join(repo, 'README.md'),
  join(repo, 'bench/README.md'),
  ...files(join(repo, 'docs'), (n) => n.endsWith('.md')),
];
const examples = files(join(repo, 'examples'), (n) => n.endsWith('.ts'));
const WEIR_COMMAND =
  /^(?:\$ )?(?:[A-Z_]+=\S+ )*(weir|node bin\/weir\.js) (run|plan|savepoint|stop|checkpoints|submit)\b/;

/** `file:line: text` of each line where a user is shown `weir <command> ...` without npx. */
function bareCommands(path: string): string[] {
  const found: string[] = [];
  let inCode = false;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const where = `${relative(repo, path)}:${i + 1}: ${line.trim()}`;
      if (line.startsWith('```')) {
        inCode = !inCode;
        return;
      }
      // A command line in a code block (or in a comment of an example: ` *   weir run ...`).
      const text = line.replace(/^\s*(?:\*|\/\/)?\s*/, '');
      if ((inCode || path.endsWith('.ts')) && WEIR_COMMAND.test(text)) found.push(where);
      // An inline command with arguments: `weir run job.ts -p 2` (`weir run` alone names the command).
      for (const [, span] of line.matchAll(/`([^`]+)`/g)) {
        if (WEIR_COMMAND.test(span) && /^(?:[A-Z_]+=\S+ )*\S+(?: \S+){2,}/.test(span)) found.push(where);
        else if (/^node bin\/weir\.js\b/.test(span)) found.push(where);
      }
    });
  return found;
}

describe('documentation', () => {
  it('shows every weir command as npx weir', () => {
    assert.deepEqual([...docs, ...examples].flatMap(bareCommands), []);
  });

  it('refers to no file outside the repository', () => {
    const outside = /\.\.\/\.\.\/shared|\bshared\/[A-Z]+\.md|\b(?:DESIGN|STYLE|NEXMARK)\.md\b|\/work\//;
    const sources = [
      ...docs,
      ...examples,
      ...files(join(repo, 'src'), (n) => n.endsWith('.ts')),
      ...files(join(repo, 'bench'), (n) => n.endsWith('.ts')),
      ...files(join(repo, 'scripts'), () => true),
    ];
    const found: string[] = [];
    for (const path of sources) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.test(line)) found.push(`${relative(repo, path)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(found, []);
  });
});
