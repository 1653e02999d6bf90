export * from './errors.js';
export * from './keys.js';
export * from './users.js';
export * from './audit.js';
export * from './contract.js';
export * from './approvals.js';
export * from './people.js';
export * from './lifecycle.js';
