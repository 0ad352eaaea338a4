// Building the page without innerHTML: every piece of data becomes a text node or an
// attribute value, so nothing an agent or a job prints can turn into markup (XSS).

const SVG_NS = 'http://www.w3.org/2000/svg';

function setProps(node, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

function appendChildren(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

/** el('a', { href: '#/jobs', class: 'x' }, 'text', otherNode) */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  appendChildren(node, children);
  return node;
}

export function svg(tag, props, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setProps(node, props);
  appendChildren(node, children);
  return node;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  appendChildren(node, children);
  return node;
}

/** Sets text only when it changed (keeps selections and avoids needless layout). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** A labelled form control: <div class="field"><label for=id>label</label>control hint</div>. */
export function field(label, control, hint) {
  const hintNode = hint ? el('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return el('div', { class: 'field' }, el('label', { for: control.id }, label), control, hintNode);
}

/** Keeps table rows keyed by id in the given order, touching only rows that move. */
export function syncRows(tbody, rows, keyOf, create, update) {
  const existing = new Map();
  for (const tr of tbody.rows) existing.set(tr.dataset.key, tr);
  const wanted = new Set();
  rows.forEach((row, index) => {
    const key = keyOf(row);
    wanted.add(key);
    let tr = existing.get(key);
    if (!tr) {
      tr = create(row);
      tr.dataset.key = key;
    }
    update(tr, row);
    if (tbody.rows[index] !== tr) tbody.insertBefore(tr, tbody.rows[index] ?? null);
  });
  for (const [key, tr] of existing) if (!wanted.has(key)) tr.remove();
}

/** A caught value's message, for the page (whatever was thrown). */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
