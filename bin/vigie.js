#!/usr/bin/env node
// Vigie runs its TypeScript sources directly through Node's type stripping (Node 22.18+).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `vigie: Node ${process.versions.node} is too old; Vigie needs Node 22.18 or newer.\n` +
      '  Run it through npm (npm start, npx vigie), which uses the Node 24 pinned in devDependencies,\n' +
      '  or install Node 22.18+ yourself.',
  );
  process.exit(2);
}
// node:sqlite still prints an ExperimentalWarning on Node 24; it is the embedded store, used on purpose.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (String(warning?.message ?? warning).includes('SQLite is an experimental feature')) return;
  return emitWarning.call(process, warning, ...rest);
};
// `vigie … | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
