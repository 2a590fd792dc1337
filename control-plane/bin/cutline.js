#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point of the control plane (roles: migrate | serve | operator | sweep | all); the
// program lives in dist/main.js (npm run build).
//
// --max-semi-space-size=2 (MB; Node 20's default is 16): a streamed upload allocates a buffer per
// socket read, and the young generation is only collected when it fills or when those buffers'
// external bytes press. With 16 MB semi-spaces, tens of MB of dead chunks wait for that, some
// get promoted, and the API's RSS climbed from ~160 to 200–217 MB over a 2 GB upload. With 2 MB
// it stays flat at ~152 MB (bench/control-plane.ts); submissions per second and latency at
// 1,000/s stay within run-to-run noise (A/B runs of 2, 4, 8 and 16 MB).
// V8 sizes the young generation when the heap is created, so this cannot be set from inside.
import '../dist/main.js';
