#!/usr/bin/env node
// Part of `npm run build`: tsc compiles only TypeScript, so the dashboard's static files
// (HTML, CSS, browser JavaScript) are copied beside the compiled module that serves them.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../src/controller/dashboard/assets/', import.meta.url);
const to = new URL('../dist/controller/dashboard/assets/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
