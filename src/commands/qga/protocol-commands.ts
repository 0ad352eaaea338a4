import type { CommandDefinition } from '../../core/registry.js';
import type { QgaCommandOptions } from './index.js';

// Placeholder: filled in by the work on this command family.
export function protocolCommands(_options: QgaCommandOptions): CommandDefinition[] {
  return [];
}
