#!/usr/bin/env -S node --max-semi-space-size=8
// Entry point of the control plane (roles: migrate | serve | operator | sweep | all); the
// program lives in dist/main.js (npm run build).
//
// --max-semi-space-size=8 (MB; Node 20's default is 16) trades the API's memory against its CPU:
// - Memory: a streamed upload allocates a buffer per socket read, and the young generation is
//   only collected when it fills or when those buffers' external bytes press. With 16 MB
//   semi-spaces, tens of MB of dead chunks wait for that, some get promoted, and the API's peak
//   RSS over a 2 GB upload reached 184–218 MB (3 processes); with 8 MB, 165–166; with 2 MB, 153–158.
// - CPU: at 1,000 submissions/s a request allocates about 60 KB. With 2 MB semi-spaces V8
//   scavenged about 50 times a second and copied every request still in flight each time:
//   1.5–2.1 s of scavenges per 18 s of load against 0.7–0.9 s with 8 MB, and the API used
//   about 9 % more CPU (4 runs each).
// V8 sizes the young generation when the heap is created, so this cannot be set from inside.
import '../dist/main.js';
