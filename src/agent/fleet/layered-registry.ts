/**
 * A registry that shows the agent's own registry plus a few commands of its own on top
 * (the configured extensions), so the job dispatcher sees both while the extensions can
 * be replaced when the agent restarts, which a registry alone does not allow.
 */
import { CommandRegistry, type CommandDefinition } from '../../core/registry.js';

export class LayeredRegistry extends CommandRegistry {
  constructor(
    private readonly base: CommandRegistry,
    private readonly top: CommandRegistry,
  ) {
    super();
  }

  override get(name: string): CommandDefinition | undefined {
    return this.top.get(name) ?? this.base.get(name);
  }

  override has(name: string): boolean {
    return this.top.has(name) || this.base.has(name);
  }

  override list(): CommandDefinition[] {
    const own = this.top.list();
    const names = new Set(own.map((definition) => definition.name));
    return [...this.base.list().filter((definition) => !names.has(definition.name)), ...own];
  }

  override register(definition: CommandDefinition): this {
    this.top.register(definition);
    return this;
  }
}
