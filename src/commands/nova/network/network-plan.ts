/**
 * What a renderer decides: files to write, files to remove (paths as the guest sees
 * them, "/etc/..."), and the programs that apply the result on a running system.
 */
import type { InterfaceConfig } from './network-config.js';

export interface FileWrite {
  readonly path: string;
  readonly contents: string;
  readonly mode: number;
}

export interface NetworkPlan {
  readonly renderer: RendererName;
  readonly writes: readonly FileWrite[];
  readonly removes: readonly string[];
  /** Argument vectors, run in order when the network is applied; the first that works ends the list. */
  readonly apply: readonly (readonly string[])[];
}

/** An interface of the description, with the name the guest knows it by. */
export interface BoundInterface extends InterfaceConfig {
  readonly name: string;
}

export const RENDERER_NAMES = ['netplan', 'ifcfg', 'ifupdown', 'networkd'] as const;
export type RendererName = (typeof RENDERER_NAMES)[number];

export const GENERATED_HEADER = '# Written by hostlink (nova resetnetwork); the next reset replaces it.';

/** Folder listing of a logical path (missing folder: empty). */
export type ListDir = (logical: string) => Promise<string[]>;
