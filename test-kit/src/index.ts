/** The shared test kit: import from here (see docs/testing.md, "The shared test kit"). */
export * from './loopback.js';
export * from './moto.js';
