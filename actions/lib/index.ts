/** The shared library of the dealership actions: import from here. */
export * from './action.js';
export * from './aws.js';
export * from './cancel.js';
export * from './errors.js';
export * from './images.js';
export * from './inputs.js';
export * from './launch-templates.js';
export * from './poll.js';
export * from './recipe.js';
export * from './report.js';
export * from './tags.js';
