#!/usr/bin/env node
// The `weir` command. Weir is written in TypeScript and runs on Node 24's type stripping, so the CLI
// loads its TypeScript sources directly; it checks the Node version first for a clear message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `weir needs Node.js 22.12 or newer (24 LTS recommended); this is ${process.version}.\n` +
      'Run it through npm (npx weir ...), which uses the Node 24 the project installs.',
  );
  process.exit(1);
}
// Piping into `head` and the like closes stdout early: stop quietly, as other CLIs do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
