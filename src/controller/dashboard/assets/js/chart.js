// A small line chart drawn as SVG by hand: one line per series over time, the value axis
// from 0 to the largest value, and a text summary as the accessible name.
import { svg } from './dom.js';

const WIDTH = 420;
const HEIGHT = 150;
const PAD = { left: 58, right: 10, top: 10, bottom: 24 };

/** A rounded axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above `value`. */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * series: [{ name, points: [{ epoch, value }] }] (points oldest first).
 * format: value -> axis and summary text.
 */
export function lineChart({ title, series, format }) {
  const points = series.flatMap((line) => line.points);
  const first = Math.min(...points.map((point) => point.epoch));
  const last = Math.max(...points.map((point) => point.epoch));
  const span = Math.max(last - first, 1000);
  const top = niceMax(Math.max(...points.map((point) => point.value)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (epoch) => PAD.left + ((epoch - first) / span) * plotWidth;
  const y = (value) => PAD.top + plotHeight - (Math.max(0, value) / top) * plotHeight;
  const summary = series
    .map((line) => {
      const values = line.points.map((point) => point.value);
      return `${line.name}: last ${format(values.at(-1))}, peak ${format(Math.max(...values))}`;
    })
    .join('; ');
  const grid = [0, 0.5, 1].map((fraction) => {
    const value = top * fraction;
    return [
      svg('line', { class: 'chart-grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }),
      svg('text', { class: 'chart-label', x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, format(value)),
    ];
  });
  const lines = series.map((line, index) => {
    const cls = `chart-line series-${index % 4}`;
    if (line.points.length === 1) {
      const [point] = line.points;
      return svg('circle', { class: cls, cx: x(point.epoch), cy: y(point.value), r: 3 });
    }
    return svg('polyline', { class: cls, points: line.points.map((point) => `${x(point.epoch).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ') });
  });
  return svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `${title}. ${summary}`, dataset: { points: String(points.length) } },
    svg('title', {}, `${title}. ${summary}`),
    grid,
    svg('line', { class: 'chart-axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    svg('text', { class: 'chart-label', x: PAD.left, y: HEIGHT - 6 }, '0 s'),
    svg('text', { class: 'chart-label', x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, `${Math.round(span / 1000)} s`),
    lines,
  );
}
