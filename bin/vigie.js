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
const { SERVE_ENV, SERVE_NODE_FLAGS, TUNED_MARK } = await import('../src/cli/serve-tuning.ts');
if (process.argv[2] === 'serve' && process.env[TUNED_MARK] !== '1') {
  // `serve` runs in a child started with the serving flags (a running Node cannot change its heap
  // layout). The child dies with this process, even on SIGKILL: it watches the IPC channel.
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { constants } = await import('node:os');
  const env = { ...SERVE_ENV, ...process.env, [TUNED_MARK]: '1' };
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...SERVE_NODE_FLAGS, script, ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env,
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
} else {
  if (process.env[TUNED_MARK] === '1' && process.channel) {
    process.channel.unref();
    // The parent is gone (killed, crashed): go with it, at once, as it did.
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
