/**
 * Which command names a listener may call. Mirrors qemu-ga's --block-rpcs and
 * --allow-rpcs: with an allow list only those names are enabled; the block list is
 * then applied on top. Names may end in `*` to match a prefix (`guest-file-*`).
 */
export interface PolicyOptions {
  readonly allow?: readonly string[];
  readonly block?: readonly string[];
}

export class CommandPolicy {
  private readonly allow: readonly string[] | undefined;
  private readonly block: readonly string[];

  constructor(options: PolicyOptions = {}) {
    this.allow = options.allow && options.allow.length > 0 ? options.allow : undefined;
    this.block = options.block ?? [];
  }

  static allowAll(): CommandPolicy {
    return new CommandPolicy();
  }

  isAllowed(name: string): boolean {
    if (this.allow && !this.allow.some((pattern) => matches(pattern, name))) return false;
    return !this.block.some((pattern) => matches(pattern, name));
  }
}

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** Splits qemu-ga style lists: "guest-exec,guest-file-open" (commas, spaces allowed). */
export function parseNameList(list: string | undefined): string[] {
  if (!list) return [];
  return list
    .split(/[,\s]+/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}
