// Clients hostlink offers as a library.
export * from './qga/index.js';
