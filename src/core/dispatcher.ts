/**
 * Looks a command up, applies the policy, checks the arguments and runs the handler.
 * Protocols call this; they turn its result or HostlinkError into their own frames.
 */
import { HostlinkError, toHostlinkError } from './errors.js';
import type { CommandPolicy } from './policy.js';
import type { CallContext, CommandDefinition, CommandRegistry } from './registry.js';
import { firstUnexpectedMember } from './qemu-order.js';
import { validateStruct } from './schema.js';

export interface ResolvedCommand {
  readonly definition: CommandDefinition;
}

export class Dispatcher {
  constructor(
    readonly registry: CommandRegistry,
    readonly policy: CommandPolicy,
  ) {}

  /** Finds a callable command or throws CommandNotFound / CommandDisabled. */
  resolve(name: string): CommandDefinition {
    const definition = this.registry.get(name);
    if (!definition) throw new HostlinkError('CommandNotFound', `The command ${name} has not been found`);
    if (definition.enabled === false || !this.policy.isAllowed(name)) {
      const reason = definition.enabled === false ? definition.disabledReason : undefined;
      throw new HostlinkError('CommandDisabled', `Command ${name} has been disabled${reason ? `: ${reason}` : ''}`);
    }
    return definition;
  }

  /** Whether `name` is registered, enabled and allowed by this dispatcher's policy. */
  isEnabled(name: string): boolean {
    const definition = this.registry.get(name);
    return definition !== undefined && definition.enabled !== false && this.policy.isAllowed(name);
  }

  /**
   * Checks arguments against the command's schema. `args` undefined means the request
   * carried none; a command without a schema accepts only no arguments or an empty object.
   */
  checkArguments(definition: CommandDefinition, args: unknown): Record<string, unknown> {
    if (definition.rawArguments) return args as Record<string, unknown>;
    if (!definition.args) {
      if (args !== undefined && typeof args === 'object' && args !== null && !Array.isArray(args)) {
        const keys = Object.keys(args);
        const extra = firstUnexpectedMember(keys, new Set(keys));
        if (extra !== undefined) throw new HostlinkError('InvalidParameter', `Parameter '${extra}' is unexpected`);
      }
      return {};
    }
    return validateStruct(definition.args, args ?? {});
  }

  /** resolve + checkArguments + run, with every failure as a HostlinkError. */
  async call(name: string, args: unknown, context: CallContext): Promise<unknown> {
    const definition = this.resolve(name);
    const checked = this.checkArguments(definition, args);
    try {
      return await definition.handler(checked, context);
    } catch (error) {
      throw toHostlinkError(error);
    }
  }
}
