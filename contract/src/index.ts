export * from './render-states.js';
export * from './render-events.js';
export * from './renders.js';
export * from './narration.js';
export * from './plans.js';
export * from './voices.js';
export * from './render-options.js';
