/**
 * Which agents a command goes to, as in agentcontroller2: gid+nid is one agent; roles
 * (with or without gid) are the live agents holding all those roles, one of them or all
 * of them with `fanout`; role "*" matches any agent; gid alone is the grid's agents.
 */
import type { AgentInfo, JobCommand } from '../protocols/fleet/job-model.js';

export type Targeting =
  | { readonly kind: 'one'; readonly gid: number; readonly nid: number }
  | { readonly kind: 'match'; readonly agents: readonly AgentInfo[] };

export function holdsRoles(agent: AgentInfo, roles: readonly string[]): boolean {
  return roles.every((role) => role === '*' || agent.roles.includes(role));
}

/** The live agents a role (or grid) command may go to. */
export function matchingAgents(command: JobCommand, agents: readonly AgentInfo[]): AgentInfo[] {
  const roles = command.roles ?? [];
  return agents.filter((agent) => agent.online && (command.gid === undefined || agent.gid === command.gid) && holdsRoles(agent, roles));
}

/** For a non-fanout role command: one of the matching agents, spread at random. */
export function pickOne<T>(candidates: readonly T[]): T[] {
  if (candidates.length <= 1) return [...candidates];
  return [candidates[Math.floor(Math.random() * candidates.length)]!];
}

export const NO_MATCH = 'No matching connected agents found';
