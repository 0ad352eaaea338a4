/**
 * os-release as qemu-ga reads it: the file is loaded as a GLib key file under an
 * "[os-release]" group (any line GLib rejects makes the whole file unusable), and each
 * raw value then goes through qemu-ga's own unquoting, quirks included (single quotes
 * are not unquoted; an unterminated double quote leaves a repeated tail).
 */
const LINE_SPACE = /^[ \t\n\r\f\v]*/;

function isValidKeyName(key: string): boolean {
  let index = 0;
  while (index < key.length && !'=[]'.includes(key[index] ?? '')) index++;
  if (index === 0) return false;
  if (key.startsWith(' ') || key.endsWith(' ')) return false;
  if (key[index] === '[') {
    // A locale suffix: KEY[xx_YY.enc@mod]
    index++;
    while (index < key.length && /[A-Za-z0-9_.@-]/.test(key[index] ?? '')) index++;
    if (key[index] !== ']') return false;
    index++;
  }
  return index === key.length;
}

function groupName(line: string): string | undefined {
  const match = /^\[([^\]]*)\][ \t]*$/.exec(line);
  return match ? match[1] : undefined;
}

/** The key/value pairs of the "os-release" group, or undefined when GLib would refuse the file. */
export function parseKeyFile(content: string): Map<string, string> | undefined {
  const values = new Map<string, string>();
  let group: string | undefined;
  const lines = ('[os-release]\n' + content).split('\n');
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const line = raw.replace(LINE_SPACE, '');
    if (line === '' || line.startsWith('#')) continue;
    const name = line.startsWith('[') ? groupName(line) : undefined;
    if (name !== undefined) {
      if (name === '' || /[\x00-\x1f\x7f[\]]/.test(name)) return undefined;
      group = name;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) return undefined;
    const key = line.slice(0, equals).replace(/[ \t]+$/, '');
    if (!isValidKeyName(key)) return undefined;
    const value = line.slice(equals + 1).replace(/^[ \t]+/, '');
    if (group === 'os-release') values.set(key, value);
  }
  return values;
}

/** qemu-ga's ga_osrelease_replace_special, on bytes as C sees them. */
export function replaceSpecial(value: string): string {
  const bytes = [...Buffer.from(value, 'utf8')];
  const quote = 0x22;
  if (bytes[0] !== quote) {
    let end = bytes.indexOf(0x20);
    if (end >= 0) bytes.length = end;
    end = bytes.indexOf(0x3b);
    if (end >= 0) bytes.length = end;
    return Buffer.from(bytes).toString('utf8');
  }
  const escapable = new Set([0x24, 0x27, 0x22, 0x5c, 0x60]);
  bytes.push(0); // the C string terminator
  let write = 0;
  let read = 1;
  while (bytes[read] !== 0) {
    if (bytes[read] === 0x5c) {
      read++;
      if (!escapable.has(bytes[read] ?? 0)) read--;
    } else if (bytes[read] === quote) {
      bytes[write] = 0;
      break;
    }
    bytes[write++] = bytes[read++] ?? 0;
  }
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.slice(0, end)).toString('utf8');
}

const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'ID'],
  ['name', 'NAME'],
  ['pretty-name', 'PRETTY_NAME'],
  ['version', 'VERSION'],
  ['version-id', 'VERSION_ID'],
  ['variant', 'VARIANT'],
  ['variant-id', 'VARIANT_ID'],
];

/** The os-release members of GuestOSInfo from a file's bytes; undefined when GLib would refuse it. */
export function osReleaseFields(bytes: Buffer): Record<string, string> | undefined {
  // GLib reads the content as a C string: it ends at the first NUL byte.
  const nul = bytes.indexOf(0);
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
  } catch {
    return undefined;
  }
  const values = parseKeyFile(content);
  if (!values) return undefined;
  const fields: Record<string, string> = {};
  for (const [member, key] of FIELDS) {
    const value = values.get(key);
    if (value !== undefined) fields[member] = replaceSpecial(value);
  }
  return fields;
}
