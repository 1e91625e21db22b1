/** What a CodeDeploy revision is, shared by the actions, the simulation and the rehearsal: import from here. */
export * from './appspec.js';
export * from './unzip.js';
export * from './zip.js';
