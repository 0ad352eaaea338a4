import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HandleTable, PersistentHandleCounter } from '../../src/core/file-handles.js';
import { keyFileInteger, loadPersistentState, parseKeyFile, StateFileError } from '../../src/core/state-file.js';
import { makeTempDir } from '../helpers/temp.js';

test('key file values read as GLib reads integers', () => {
  assert.equal(keyFileInteger('1001'), 1001);
  assert.equal(keyFileInteger(' 42 '), 42);
  assert.equal(keyFileInteger('-5'), -5);
  assert.equal(keyFileInteger('abc'), 0);
  assert.equal(keyFileInteger('12abc'), 0);
  assert.equal(keyFileInteger(''), 0);
  assert.equal(keyFileInteger('2147483648'), 0);
  assert.equal(keyFileInteger('9223372036854775807'), 0);
});

test('a key file with a line that is no group, pair or comment is refused', () => {
  assert.throws(() => parseKeyFile('garbage'), StateFileError);
  assert.deepEqual(parseKeyFile('# c\n\n[global]\nfd_counter=7\n').get('global')?.get('fd_counter'), '7');
});

test('a missing state file is created with fd_counter=1000; an unusable one throws', () => {
  const temp = makeTempDir();
  try {
    const path = join(temp.path, 'qga.state');
    assert.deepEqual(loadPersistentState(path), { fdCounter: 1000 });
    assert.equal(readFileSync(path, 'utf8'), '[global]\nfd_counter=1000\n');
    writeFileSync(path, 'garbage');
    assert.throws(() => loadPersistentState(path), /error loading persistent state from path/);
    assert.throws(() => loadPersistentState(join(temp.path, 'missing-dir', 'qga.state')), /unable to create state file/);
  } finally {
    temp.remove();
  }
});

test('handles are committed to the state file before they are handed out', async () => {
  const temp = makeTempDir();
  try {
    const stateDir = join(temp.path, 'state');
    mkdirSync(stateDir);
    const path = join(stateDir, 'qga.state');
    const table = new HandleTable<string>(new PersistentHandleCounter(path));
    const handles = await Promise.all([table.add('a'), table.add('b'), table.add('c')]);
    assert.deepEqual(handles, [1000, 1001, 1002]);
    assert.equal(readFileSync(path, 'utf8'), '[global]\nfd_counter=1003\n');
    assert.equal(table.get(1001), 'b');
    assert.equal(table.get(1001n), 'b');
    assert.equal(table.delete(1001), true);
    assert.equal(table.get(1001), undefined);
    const again = new HandleTable<string>(new PersistentHandleCounter(path));
    assert.equal(await again.add('d'), 1003);
  } finally {
    temp.remove();
  }
});
