/**
 * Finding service modules under a folder and naming them as vt_agent does: the path
 * below the folder, without extension, with dots for slashes
 * (`examples/virt/vm.py` -> `examples.virt.vm`). Python's `__init__.py`, TypeScript
 * declaration files, `__pycache__`, `node_modules` and hidden entries are skipped.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export type ServiceLanguage = 'javascript' | 'typescript' | 'python';

export interface ServiceFile {
  readonly path: string;
  /** Dotted module name, e.g. "examples.virt.vm". */
  readonly moduleName: string;
  readonly language: ServiceLanguage;
}

const SKIPPED_FOLDERS = new Set(['__pycache__', 'node_modules']);

function languageOf(name: string): ServiceLanguage | undefined {
  if (name === '__init__.py' || name.endsWith('.d.ts') || name.endsWith('.d.mts')) return undefined;
  if (name.endsWith('.py')) return 'python';
  if (name.endsWith('.js') || name.endsWith('.mjs')) return 'javascript';
  if (name.endsWith('.ts') || name.endsWith('.mts')) return 'typescript';
  return undefined;
}

/** Every service module below `root`, in a stable (sorted) order. */
export async function findServiceFiles(root: string): Promise<ServiceFile[]> {
  const found: ServiceFile[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(path);
        continue;
      }
      const language = languageOf(entry.name);
      if (!language) continue;
      const moduleName = relative(root, path).replace(/\.(py|m?js|m?ts)$/, '').split(sep).join('.');
      found.push({ path, moduleName, language });
    }
  };
  await walk(root);
  return found;
}
