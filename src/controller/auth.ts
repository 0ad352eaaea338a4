/**
 * Who may do what on a controller. Tokens come as `Authorization: Bearer TOKEN`:
 *
 * - `--token T`: one shared token; clients holding it have every right, agents holding
 *   it may take any gid/nid.
 * - `--tokens-file FILE` (TOML): per-agent tokens, each bound to one gid/nid (an agent
 *   cannot claim another's), and client tokens with rights (read, run, admin):
 *
 *     [[agent]]
 *     token = "..."
 *     gid = 1
 *     nid = 10
 *
 *     [[client]]
 *     token = "..."
 *     rights = ["read", "run"]
 *
 * With neither, the controller is open, which server.ts allows on loopback only.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { HostlinkError } from '../core/errors.js';

export const CLIENT_RIGHTS = ['read', 'run', 'admin'] as const;
export type ClientRight = (typeof CLIENT_RIGHTS)[number];

export interface TokenTable {
  readonly agents: ReadonlyArray<{ readonly token: string; readonly gid: number; readonly nid: number }>;
  readonly clients: ReadonlyArray<{ readonly token: string; readonly rights: readonly ClientRight[] }>;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

const OK: Verdict = { ok: true };

/** Tokens are compared through their hashes: equal length, constant time. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

export class Authenticator {
  private readonly shared: Buffer | undefined;
  private readonly agents: Array<{ digest: Buffer; gid: number; nid: number }>;
  private readonly clients: Array<{ digest: Buffer; rights: ReadonlySet<ClientRight> }>;

  constructor(token: string | undefined, table: TokenTable | undefined) {
    this.shared = token ? digest(token) : undefined;
    this.agents = (table?.agents ?? []).map((entry) => ({ digest: digest(entry.token), gid: entry.gid, nid: entry.nid }));
    this.clients = (table?.clients ?? []).map((entry) => ({ digest: digest(entry.token), rights: new Set(entry.rights) }));
  }

  /** No token of any kind: everyone may do everything. */
  get open(): boolean {
    return this.shared === undefined && this.agents.length === 0 && this.clients.length === 0;
  }

  agent(token: string | undefined, gid: number, nid: number): Verdict {
    if (this.open) return OK;
    if (token === undefined) return { ok: false, status: 401, reason: 'agent token missing' };
    const given = digest(token);
    if (this.shared && same(given, this.shared)) return OK;
    const grant = this.agents.find((entry) => same(given, entry.digest));
    if (!grant) return { ok: false, status: 401, reason: 'unknown agent token' };
    if (grant.gid !== gid || grant.nid !== nid) return { ok: false, status: 403, reason: `this token belongs to agent ${grant.gid}:${grant.nid}, not ${gid}:${nid}` };
    return OK;
  }

  client(token: string | undefined, right: ClientRight): Verdict {
    if (this.open) return OK;
    if (token === undefined) return { ok: false, status: 401, reason: 'token missing (Authorization: Bearer TOKEN)' };
    const given = digest(token);
    if (this.shared && same(given, this.shared)) return OK;
    const client = this.clients.find((entry) => same(given, entry.digest));
    if (!client) return { ok: false, status: 401, reason: 'unknown token' };
    if (!client.rights.has(right) && !client.rights.has('admin')) return { ok: false, status: 403, reason: `this token lacks the "${right}" right` };
    return OK;
  }
}

function tokensProblem(file: string, message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `${file}: ${message}`);
}

export function parseTokenTable(text: string, file: string): TokenTable {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw tokensProblem(file, `not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  for (const key of Object.keys(document)) if (key !== 'agent' && key !== 'client') throw tokensProblem(file, `unknown entry "${key}" (known: [[agent]], [[client]])`);
  const agents = (document.agent ?? []) as unknown;
  const clients = (document.client ?? []) as unknown;
  if (!Array.isArray(agents) || !Array.isArray(clients)) throw tokensProblem(file, 'write agents as [[agent]] and clients as [[client]]');
  const seen = new Set<string>();
  const checkToken = (token: unknown, where: string): string => {
    if (typeof token !== 'string' || token.length < 8) throw tokensProblem(file, `${where}: token must be a string of at least 8 characters`);
    if (seen.has(token)) throw tokensProblem(file, `${where}: the same token is listed twice`);
    seen.add(token);
    return token;
  };
  return {
    agents: agents.map((entry: Record<string, unknown>, index) => {
      const where = `[[agent]] #${index + 1}`;
      if (!Number.isInteger(entry.gid) || !Number.isInteger(entry.nid)) throw tokensProblem(file, `${where}: gid and nid must be integers`);
      return { token: checkToken(entry.token, where), gid: entry.gid as number, nid: entry.nid as number };
    }),
    clients: clients.map((entry: Record<string, unknown>, index) => {
      const where = `[[client]] #${index + 1}`;
      const rights = entry.rights ?? ['read', 'run'];
      if (!Array.isArray(rights) || !rights.every((right) => (CLIENT_RIGHTS as readonly unknown[]).includes(right))) {
        throw tokensProblem(file, `${where}: rights must list some of ${CLIENT_RIGHTS.join(', ')}`);
      }
      return { token: checkToken(entry.token, where), rights: rights as ClientRight[] };
    }),
  };
}

export function loadTokenTable(file: string): TokenTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw tokensProblem(file, `cannot read: ${(error as Error).message}`);
  }
  return parseTokenTable(text, file);
}
