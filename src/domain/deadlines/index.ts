/** The deadline domain: statute data shapes, China-date and working-day arithmetic, due-date computation. */
export * from './types.js';
export * from './china-date.js';
export * from './calendar.js';
export * from './compute-due.js';
export * from './resolve-step.js';
