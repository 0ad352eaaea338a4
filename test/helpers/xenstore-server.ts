/**
 * A small xenstored for tests, written from the protocol document (Xen's
 * docs/misc/xenstore.txt and xs_wire.h): no real xenstored runs without a hypervisor.
 * One tree of nodes; READ, WRITE, MKDIR, RM, DIRECTORY, WATCH/UNWATCH with events,
 * TRANSACTION_START/END (a private copy of the tree, committed unless the tree changed
 * meanwhile: EAGAIN), GET_DOMAIN_PATH; errors as XS_ERROR with the errno name. Relative
 * paths are relative to /local/domain/<domid>. It speaks on a Unix socket, like
 * xenstored's own, so Debian's xenstore-utils can talk to it too.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import { encodeMessage, nulStrings, splitNulStrings, XsFrameDecoder, XsType, type XsMessage } from '../../src/transports/xenstore-wire.js';

type Tree = Map<string, Buffer>;

interface Watch {
  readonly connection: Socket;
  /** As given (relative or absolute): events report paths in the same form. */
  readonly given: string;
  readonly absolute: string;
  readonly token: string;
}

interface Transaction {
  readonly tree: Tree;
  readonly generation: number;
  readonly changed: Set<string>;
}

class XsFailure extends Error {}

export interface XenstoreServerOptions {
  readonly domid?: number;
  /** Answer WATCH with EACCES (to test the poll fallback). */
  readonly refuseWatch?: boolean;
}

export class TestXenstored {
  private tree: Tree = new Map([['/', Buffer.alloc(0)]]);
  private generation = 0;
  private readonly watches: Watch[] = [];
  private readonly transactions = new Map<number, Transaction>();
  private nextTx = 1;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  /** Requests served, by type name (for tests that check what a client did). */
  readonly counts = new Map<number, number>();

  constructor(
    readonly socketPath: string,
    private readonly options: XenstoreServerOptions = {},
  ) {}

  get home(): string {
    return `/local/domain/${this.options.domid ?? 0}`;
  }

  async start(): Promise<void> {
    await unlink(this.socketPath).catch(() => undefined);
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
  }

  /** Cuts every client off (the server keeps listening): a lost connection. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await unlink(this.socketPath).catch(() => undefined);
  }

  /** Direct access for assertions (absolute or relative path). */
  get(path: string): string | undefined {
    return this.tree.get(this.absolute(path))?.toString('utf8');
  }

  children(path: string): string[] {
    return childrenOf(this.tree, this.absolute(path));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const decoder = new XsFrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      let messages: XsMessage[];
      try {
        messages = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) this.answer(socket, message);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (let i = this.watches.length - 1; i >= 0; i--) if (this.watches[i]!.connection === socket) this.watches.splice(i, 1);
    });
  }

  private send(socket: Socket, type: number, reqId: number, txId: number, payload: Buffer): void {
    if (!socket.destroyed) socket.write(encodeMessage({ type, reqId, txId, payload }));
  }

  private answer(socket: Socket, message: XsMessage): void {
    this.counts.set(message.type, (this.counts.get(message.type) ?? 0) + 1);
    try {
      const payload = this.run(socket, message);
      this.send(socket, message.type, message.reqId, message.txId, payload);
    } catch (error) {
      const code = error instanceof XsFailure ? error.message : 'EIO';
      this.send(socket, XsType.ERROR, message.reqId, message.txId, nulStrings(code));
    }
  }

  private absolute(path: string): string {
    if (path === '' || /[^A-Za-z0-9_@/.:-]/.test(path) || path.includes('//') || (path.length > 1 && path.endsWith('/'))) throw new XsFailure('EINVAL');
    return path.startsWith('/') ? path : `${this.home}/${path}`;
  }

  private run(socket: Socket, message: XsMessage): Buffer {
    const args = splitNulStrings(message.payload);
    let tx: Transaction | undefined;
    if (message.txId !== 0) {
      tx = this.transactions.get(message.txId);
      if (!tx) throw new XsFailure('ENOENT');
    }
    const tree = tx?.tree ?? this.tree;
    const changed = (path: string): void => {
      if (tx) tx.changed.add(path);
      else {
        this.generation++;
        this.fire(path);
      }
    };
    switch (message.type) {
      case XsType.READ: {
        const value = tree.get(this.absolute(args[0] ?? ''));
        if (value === undefined) throw new XsFailure('ENOENT');
        return value;
      }
      case XsType.WRITE: {
        const nul = message.payload.indexOf(0);
        if (nul < 0) throw new XsFailure('EINVAL');
        const path = this.absolute(message.payload.subarray(0, nul).toString('utf8'));
        makeParents(tree, path);
        tree.set(path, Buffer.from(message.payload.subarray(nul + 1)));
        changed(path);
        return nulStrings('OK');
      }
      case XsType.MKDIR: {
        const path = this.absolute(args[0] ?? '');
        if (!tree.has(path)) {
          makeParents(tree, path);
          tree.set(path, Buffer.alloc(0));
          changed(path);
        }
        return nulStrings('OK');
      }
      case XsType.RM: {
        const path = this.absolute(args[0] ?? '');
        if (!tree.has(path)) {
          // Removing a missing node is not an error while its parent exists.
          if (tree.has(parentOf(path))) return nulStrings('OK');
          throw new XsFailure('ENOENT');
        }
        if (path === '/') throw new XsFailure('EINVAL');
        for (const key of [...tree.keys()]) if (key === path || key.startsWith(`${path}/`)) tree.delete(key);
        changed(path);
        return nulStrings('OK');
      }
      case XsType.DIRECTORY: {
        const path = this.absolute(args[0] ?? '');
        if (!tree.has(path)) throw new XsFailure('ENOENT');
        return nulStrings(...childrenOf(tree, path));
      }
      case XsType.WATCH: {
        if (this.options.refuseWatch) throw new XsFailure('EACCES');
        const [given, token] = args;
        if (given === undefined || token === undefined) throw new XsFailure('EINVAL');
        const watch = { connection: socket, given, absolute: this.absolute(given), token };
        if (this.watches.some((w) => w.connection === socket && w.given === given && w.token === token)) throw new XsFailure('EEXIST');
        this.watches.push(watch);
        // A new watch fires once at once, so the client can read the current state.
        setImmediate(() => this.send(socket, XsType.WATCH_EVENT, 0, 0, nulStrings(given, token)));
        return nulStrings('OK');
      }
      case XsType.UNWATCH: {
        const [given, token] = args;
        const index = this.watches.findIndex((w) => w.connection === socket && w.given === given && w.token === token);
        if (index < 0) throw new XsFailure('ENOENT');
        this.watches.splice(index, 1);
        return nulStrings('OK');
      }
      case XsType.TRANSACTION_START: {
        const id = this.nextTx++;
        this.transactions.set(id, { tree: new Map(this.tree), generation: this.generation, changed: new Set() });
        return nulStrings(String(id));
      }
      case XsType.TRANSACTION_END: {
        if (!tx) throw new XsFailure('EINVAL');
        this.transactions.delete(message.txId);
        if (args[0] !== 'T') return nulStrings('OK');
        if (tx.generation !== this.generation && tx.changed.size > 0) throw new XsFailure('EAGAIN');
        this.tree = tx.tree;
        for (const path of tx.changed) {
          this.generation++;
          this.fire(path);
        }
        return nulStrings('OK');
      }
      case XsType.GET_DOMAIN_PATH:
        return nulStrings(`/local/domain/${args[0] ?? ''}`);
      default:
        throw new XsFailure('ENOSYS');
    }
  }

  /** Watch events for a change at `path`: watches on it, on an ancestor, or under a removed node. */
  private fire(path: string): void {
    for (const watch of this.watches) {
      const onOrBelow = path === watch.absolute || path.startsWith(`${watch.absolute}/`) || watch.absolute === '/';
      const removedAbove = watch.absolute.startsWith(`${path}/`);
      if (!onOrBelow && !removedAbove) continue;
      const reported = removedAbove ? watch.absolute : path;
      const shown = watch.given.startsWith('/') ? reported : reported.slice(this.home.length + 1);
      this.send(watch.connection, XsType.WATCH_EVENT, 0, 0, nulStrings(shown, watch.token));
    }
  }
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

function makeParents(tree: Tree, path: string): void {
  for (let parent = parentOf(path); !tree.has(parent); parent = parentOf(parent)) tree.set(parent, Buffer.alloc(0));
}

function childrenOf(tree: Tree, path: string): string[] {
  const prefix = path === '/' ? '/' : `${path}/`;
  const names = new Set<string>();
  for (const key of tree.keys()) {
    if (key !== path && key.startsWith(prefix)) names.add(key.slice(prefix.length).split('/')[0]!);
  }
  return [...names].sort();
}
