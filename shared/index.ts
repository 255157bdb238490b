export * from './errors.js';
export * from './topics.js';
export * from './protocol.js';
