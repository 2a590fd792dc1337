#!/usr/bin/env node
// Entry point of the cutline-render CLI; the program lives in dist/cli.js (npm run build).
import { main } from '../dist/cli.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => controller.abort());
}
// Launched by a control plane: stop if it dies (even by SIGKILL), so a restarted one never
// finds an orphan still writing the outputs of a render it has requeued.
if (process.argv.includes('--exit-with-parent')) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) controller.abort();
  }, 500).unref();
}
const code = await main(
  process.argv.slice(2).filter((a) => a !== '--exit-with-parent'),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  },
);
process.exitCode = code;
