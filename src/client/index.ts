// Clients hostlink offers as a library.
export * from './qga/index.js';
export * from './controller/index.js';
export * from './nova/index.js';
