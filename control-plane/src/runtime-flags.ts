/**
 * V8 flags for the control plane, set before anything else loads (main.ts imports this first).
 *
 * --liftoff-only: Prisma's query compiler is WebAssembly. By default V8 recompiles hot wasm
 * with its optimising tier in the background, which costs about 50 MB of resident memory
 * (measured: an idle API at 206 MB with it, 155 MB without). The compiler runs once per
 * query shape — Prisma caches the plans — and the request hot paths are plain SQL, so the
 * baseline tier is fast enough and the API stays within its memory budget.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
