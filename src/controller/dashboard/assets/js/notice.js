// One line under the header for news that concerns the whole page (controller
// unreachable, kill sent); announced politely to screen readers.

let timer;

export function showNotice(text, kind = 'info', forMs = 0) {
  const node = document.getElementById('notice');
  if (!node) return;
  clearTimeout(timer);
  node.textContent = text;
  node.dataset.kind = kind;
  if (forMs > 0) timer = setTimeout(clearNotice, forMs);
}

/** Clears the notice (only one of that kind, when a kind is given). */
export function clearNotice(kind) {
  const node = document.getElementById('notice');
  if (node && (kind === undefined || node.dataset.kind === kind)) node.textContent = '';
}
