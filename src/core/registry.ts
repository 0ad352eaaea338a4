/**
 * The command registry: every command of every command set lives here, under one name.
 * A command is a name, an argument schema and an async handler, plus flags.
 */
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './logger.js';
import type { InferStruct, Member, StructSchema } from './schema.js';

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** Protocol that carried the call, e.g. "qga", "xmlrpc". */
  readonly protocol: string;
  /** Identifies the client connection, for logs. */
  readonly clientId: string;
  readonly log: Logger;
  /** Aborted when the client goes away or the agent shuts down. */
  readonly signal: AbortSignal;
  /** The dispatcher serving this call: lets introspection commands (guest-info) see the policy. */
  readonly dispatcher?: Dispatcher;
}

export interface CommandFlags {
  /** false: the command sends no reply when it succeeds (qemu-ga's success-response). */
  readonly successResponse?: boolean;
  /** false: registered but disabled, answered as a disabled command (e.g. guest-get-devices on Linux). */
  readonly enabled?: boolean;
  /**
   * Why the command is disabled, appended to the error ("Command X has been disabled:
   * the agent is in frozen state"), as QEMU's qmp_disable_command() reason.
   */
  readonly disabledReason?: string;
  /**
   * true: the handler takes the protocol's arguments as they came (positional list or
   * object), unchecked. For user services that declare no schema.
   */
  readonly rawArguments?: boolean;
}

export interface CommandDefinition<A = Record<string, unknown>, R = unknown> extends CommandFlags {
  readonly name: string;
  /** One line for `--help`, `guest-info` and docs. */
  readonly description?: string;
  /** Arguments schema; undefined means the command takes no arguments. */
  readonly args?: StructSchema;
  readonly handler: (args: A, context: CallContext) => R | Promise<R>;
}

/** Defines a command with its argument type inferred from its schema. */
export function defineCommand<const M extends Record<string, Member>, R>(
  definition: Omit<CommandDefinition<InferStruct<M>, R>, 'args'> & { args: { kind: 'struct'; members: M } },
): CommandDefinition;
export function defineCommand<R>(definition: Omit<CommandDefinition<Record<string, never>, R>, 'args'>): CommandDefinition;
export function defineCommand(definition: CommandDefinition<never>): CommandDefinition {
  return definition as unknown as CommandDefinition;
}

export class CommandRegistry {
  private readonly commands = new Map<string, CommandDefinition>();

  register(definition: CommandDefinition): this {
    if (this.commands.has(definition.name)) {
      throw new Error(`command ${definition.name} is already registered`);
    }
    this.commands.set(definition.name, definition);
    return this;
  }

  registerAll(definitions: Iterable<CommandDefinition>): this {
    for (const definition of definitions) this.register(definition);
    return this;
  }

  get(name: string): CommandDefinition | undefined {
    return this.commands.get(name);
  }

  has(name: string): boolean {
    return this.commands.has(name);
  }

  /** All commands, in registration order. */
  list(): CommandDefinition[] {
    return [...this.commands.values()];
  }
}
