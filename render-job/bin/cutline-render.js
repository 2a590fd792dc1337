#!/usr/bin/env node
// Entry point of the cutline-render CLI; the program lives in dist/cli.js (npm run build).
import { main } from '../dist/cli.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => controller.abort());
}
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
