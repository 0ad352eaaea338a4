/**
 * A one-line progress bar on stderr for file transfers, shown only when stderr is a
 * terminal (silent in scripts and pipes), redrawn at most ten times a second.
 */
import { formatBytes } from './format.js';

export interface Progress {
  update(done: number, total: number | undefined): void;
  finish(): void;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  let last: [number, number | undefined] = [0, undefined];
  const draw = () => {
    const [done, total] = last;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = `${formatBytes(Math.round(done / seconds))}/s`;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - label.length - 45));
    let bar = '';
    if (total) {
      const filled = Math.min(width, Math.round((done / total) * width));
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.min(100, Math.floor((done / total) * 100))).padStart(3)}% `;
    }
    stream.write(`\r${label} ${bar}${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}  ${rate}\x1b[K`);
    drawn = true;
  };
  return {
    update(done, total) {
      last = [done, total];
      const now = Date.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw();
      }
    },
    finish() {
      draw();
      if (drawn) stream.write('\n');
    },
  };
}
