/**
 * Simulated agents for bench/controller.ts: COUNT real WebSocket connections to the
 * controller from this one process, each speaking the agent link protocol as a hostlink
 * agent does for a job (accepted, state RUNNING, result), answering every job with a
 * pong at once. Started with fork(); reports to its parent over IPC.
 *
 *   argv: URL GID FIRST_NID COUNT
 */
import WebSocket from 'ws';

const [url, gidText, firstText, countText] = process.argv.slice(2);
const gid = Number(gidText);
const first = Number(firstText);
const count = Number(countText);
const CONNECT_BATCH = 100;

interface Frame {
  type: string;
  job?: { id: string; cmd: string; args: unknown; tags?: string };
  seqs?: number[];
}

let connected = 0;
let acked = 0;
let failures = 0;
const sockets: WebSocket[] = [];

function agent(nid: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url!.replace(/^http/, 'ws')}/v1/agent`, {
      headers: { 'x-hostlink-gid': String(gid), 'x-hostlink-nid': String(nid), 'x-hostlink-instance': `sim-${gid}-${nid}-${process.pid}`, 'x-hostlink-roles': 'sim' },
      perMessageDeflate: false,
    });
    sockets.push(socket);
    let seq = 0;
    socket.on('open', () => {
      connected++;
      resolve();
    });
    socket.on('error', () => {
      failures++;
      resolve();
    });
    socket.on('message', (data) => {
      // One message may hold several frames (an array), as hostlink sends them.
      const parsed = JSON.parse(data.toString()) as Frame | Frame[];
      const out: unknown[] = [];
      for (const frame of Array.isArray(parsed) ? parsed : [parsed]) {
        if (frame.type === 'ack') acked += frame.seqs?.length ?? 0;
        if (frame.type !== 'job' || !frame.job) continue;
        const { job } = frame;
        const now = Date.now();
        const result = { id: job.id, gid, nid, cmd: job.cmd, args: job.args, data: '"pong"', streams: ['', ''], critical: '', level: 20, state: 'SUCCESS', starttime: now, time: 0, tags: job.tags ?? '' };
        out.push({ type: 'accepted', id: job.id }, { type: 'state', id: job.id, state: 'RUNNING', starttime: now }, { type: 'result', seq: ++seq, result });
      }
      if (out.length > 0) socket.send(JSON.stringify(out));
    });
  });
}

async function connectAll(): Promise<void> {
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    const batch = [];
    for (let nid = first + start; nid < first + Math.min(count, start + CONNECT_BATCH); nid++) batch.push(agent(nid));
    await Promise.all(batch);
  }
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', connected, acked, failures });
  if (message.type === 'stop') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

void connectAll().then(() => process.send!({ type: 'ready', connected, failures }));
