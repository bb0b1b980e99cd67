import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { isWeirError, type WeirErrorCode } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { keyedStateBackendContract } from './keyed-state-backend.contract.ts';
import { appendKeyedStateChunk } from './keyed-state-snapshot-stream.ts';
import {
  LmdbKeyedStateBackend,
  type LmdbKeyedStateBackendOptions,
  removeStaleTemporaryDirectories,
} from './lmdb-keyed-state-backend.ts';
import { CHUNK_UNITS } from './lmdb-snapshot-stream.ts';
import { MapStateDescriptor, ValueStateDescriptor } from './state-descriptor.ts';

const heap = {
  name: 'heap',
  make: (options: ConstructorParameters<typeof HeapKeyedStateBackend>[0]) =>
    new HeapKeyedStateBackend(options),
};

keyedStateBackendContract('lmdb', (options) => new LmdbKeyedStateBackend(options), { peers: [heap] });
// Every key change writes the cache out: the same rules, read back from LMDB.
keyedStateBackendContract(
  'lmdb, writing through',
  (options) => new LmdbKeyedStateBackend({ ...options, writeBatchSize: 1 }),
  { peers: [heap] },
);

const full = (options: Partial<LmdbKeyedStateBackendOptions> = {}) =>
  new LmdbKeyedStateBackend({
    maxParallelism: 128,
    keyGroupRange: { start: 0, end: 127 },
    clock: new ManualClock(0),
    ...options,
  });

const isError = (code: WeirErrorCode, pattern?: RegExp) => (e: unknown) =>
  isWeirError(e, code) && (pattern === undefined || pattern.test(e.message));

describe('LmdbKeyedStateBackend', () => {
  const created: LmdbKeyedStateBackend[] = [];
  afterEach(() => {
    for (const b of created.splice(0)) b.dispose();
  });
  const backend = (options: Partial<LmdbKeyedStateBackendOptions> = {}) => {
    const b = full(options);
    created.push(b);
    return b;
  };

  describe('environment directory', () => {
    it('works in a fresh temporary directory by default, named with its pid, and deletes it on dispose', () => {
      const b = full();
      assert.ok(b.path.startsWith(path.join(os.tmpdir(), `weir-lmdb-${process.pid}-`)));
      assert.ok(fs.existsSync(path.join(b.path, 'data.mdb')));
      b.dispose();
      assert.equal(fs.existsSync(b.path), false);
    });

    it('removes the temporary directories of processes that are gone (a killed run), not those of live ones', () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-sweep-'));
      try {
        const dead = spawnSync(process.execPath, ['-e', '']).pid!;
        for (const name of [
          `weir-lmdb-${dead}-aaaaaa`,
          `weir-lmdb-${process.pid}-bbbbbb`,
          `weir-lmdb-${process.ppid}-cccccc`,
        ]) {
          fs.mkdirSync(path.join(tmp, name));
          fs.writeFileSync(path.join(tmp, name, 'data.mdb'), 'x');
        }
        fs.mkdirSync(path.join(tmp, 'weir-lmdb-notapid'));
        assert.deepEqual(removeStaleTemporaryDirectories(tmp), [path.join(tmp, `weir-lmdb-${dead}-aaaaaa`)]);
        assert.deepEqual(
          fs.readdirSync(tmp).sort(),
          [`weir-lmdb-${process.pid}-bbbbbb`, `weir-lmdb-${process.ppid}-cccccc`, 'weir-lmdb-notapid'].sort(),
        );
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('under a configured path: a job directory marks its owner, and one whose owner is gone (kill -9) is removed by the next', () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-root-'));
      try {
        const dead = spawnSync(process.execPath, ['-e', '']).pid!;
        for (const [job, pid] of [
          ['job-killed', dead],
          ['job-other-live', process.ppid],
        ] as const) {
          fs.mkdirSync(path.join(root, job, 'count-0-0'), { recursive: true });
          fs.writeFileSync(path.join(root, job, 'count-0-0', 'data.mdb'), 'x');
          fs.writeFileSync(path.join(root, job, '.owner'), `${pid} ${os.hostname()}`);
        }
        // A job of another host sharing the path is never judged from here.
        fs.mkdirSync(path.join(root, 'job-elsewhere'));
        fs.writeFileSync(path.join(root, 'job-elsewhere', '.owner'), `${dead} not-${os.hostname()}`);
        fs.mkdirSync(path.join(root, 'job-unmarked'));
        const b = full({ path: path.join(root, 'job-mine', 'count-0-0'), removeEmptyParent: true });
        assert.deepEqual(fs.readdirSync(root).sort(), [
          'job-elsewhere',
          'job-mine',
          'job-other-live',
          'job-unmarked',
        ]);
        assert.equal(
          fs.readFileSync(path.join(root, 'job-mine', '.owner'), 'utf8'),
          `${process.pid} ${os.hostname()}`,
        );
        b.dispose();
        assert.deepEqual(
          fs.readdirSync(root).sort(),
          ['job-elsewhere', 'job-other-live', 'job-unmarked'],
          'its own job directory goes at the end',
        );
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it('with a mapSize: a write that takes the environment beyond it fails with a clear STATE_ERROR', () => {
      const b = backend({ mapSize: 1 << 20, writeBatchSize: 64 });
      const v = b.getState(new ValueStateDescriptor<string>('v'));
      assert.throws(
        () => {
          for (let i = 0; i < 10_000; i++) {
            b.setCurrentKey(i);
            v.update('x'.repeat(1_000));
          }
          b.flush();
        },
        isError(
          'STATE_ERROR',
          /is full: it needs 1\.\d MiB and its map size is 1\.0 MiB; give the lmdb state backend a larger mapSize/,
        ),
      );
      assert.throws(
        () => backend({ mapSize: 1_000 }),
        isError('INVALID_ARGUMENT', /at least 1 MiB, got 1000/),
      );
    });

    it('creates a given directory, discards an environment left there, and removes it on dispose', () => {
      const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-test-')), 'nested', 'op-0');
      try {
        const first = full({ path: dir });
        first.setCurrentKey('a');
        first.getState(new ValueStateDescriptor<number>('v')).update(1);
        first.flush();
        // A crash would leave the environment behind: copy it aside and back, as a stale one.
        const stale = `${dir}-stale`;
        fs.cpSync(dir, stale, { recursive: true });
        first.dispose();
        assert.equal(fs.existsSync(dir), false);
        fs.renameSync(stale, dir);
        const second = full({ path: dir });
        second.setCurrentKey('a');
        assert.equal(second.getState(new ValueStateDescriptor<number>('v')).value(), undefined);
        second.dispose();
        assert.equal(fs.existsSync(dir), false);
        assert.ok(fs.existsSync(path.dirname(dir)), 'only its own directory is removed');
      } finally {
        fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
      }
    });

    it('refuses a directory holding other files, and leaves them alone', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-test-'));
      try {
        fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
        assert.throws(() => full({ path: dir }), isError('INVALID_ARGUMENT', /notes\.txt/));
        assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('validates writeBatchSize', () => {
      assert.throws(() => full({ writeBatchSize: 0 }), isError('INVALID_ARGUMENT', /writeBatchSize/));
    });
  });

  describe('keys', () => {
    it('stores keys of every type exactly, read back from LMDB', () => {
      const b = backend({ writeBatchSize: 1 });
      const v = b.getState(new ValueStateDescriptor<number>('v'));
      const keys: Key[] = [
        '',
        'plain',
        'caf\u00e9 \u4e2d\u6587 \ud83d\ude00',
        'lone \ud800 surrogate',
        'x'.repeat(600),
        0,
        -1.5,
        2 ** 53,
        -(2 ** 60),
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.NaN,
        12n,
        -(2n ** 100n),
        true,
        false,
      ];
      keys.forEach((key, i) => {
        b.setCurrentKey(key);
        v.update(i);
      });
      b.setCurrentKey(-0);
      assert.equal(v.value(), keys.indexOf(0), '-0 is the key 0, as for a Map');
      b.setCurrentKey('lone \ufffd surrogate');
      assert.equal(v.value(), undefined, 'a lone surrogate is not replaced');
      keys.forEach((key, i) => {
        b.setCurrentKey(key);
        assert.equal(v.value(), i, `value of ${String(key)}`);
      });
      assert.deepEqual(new Set(b.keys('v')), new Set(keys));
    });

    it('refuses a key too large for LMDB, naming it', () => {
      const b = backend();
      const v = b.getState(new ValueStateDescriptor<number>('v'));
      b.setCurrentKey('k'.repeat(5_000));
      assert.throws(() => v.value(), isError('STATE_ERROR', /kkkk.*too large/));
    });

    it('iterates numeric map keys in ascending order', () => {
      const b = backend({ writeBatchSize: 1 });
      const m = b.getMapState(new MapStateDescriptor<number, string>('m'));
      b.setCurrentKey('a');
      for (const k of [5, -2, 100, 0, -300, 7.5]) m.put(k, `v${k}`);
      b.setCurrentKey('b');
      b.setCurrentKey('a');
      assert.deepEqual([...m.keys()], [-300, -2, 0, 5, 7.5, 100]);
    });

    it('refuses map keys that are not primitives, naming the state', () => {
      const b = backend();
      const m = b.getMapState(new MapStateDescriptor<unknown, number>('lookup'));
      b.setCurrentKey('a');
      assert.throws(() => m.put({ id: 1 }, 1), isError('STATE_ERROR', /"lookup".*object/));
      assert.throws(() => m.get(null), isError('STATE_ERROR', /"lookup".*null/));
    });
  });

  describe('values', () => {
    it('refuses values msgpack cannot hold, naming the state and key', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const [what, value, pattern] of [
        ['a function', { f: () => 1 }, /function/],
        ['a symbol', Symbol('s'), /symbol/],
        ['a cycle', cyclic, /cycle/],
        [
          'an unregistered class',
          { at: { when: new (class Moment {})() } },
          /value\.at\.when is an instance of class Moment, which is not registered/,
        ],
        ['a function, with its path', { a: [1, { cb: () => 1 }] }, /value\.a\[1\]\.cb is a function/],
      ] as const) {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<unknown>('profile'));
        b.setCurrentKey('user-1');
        v.update(value);
        assert.throws(() => b.snapshot(), isError('STATE_ERROR', /"profile".*"user-1"/), what);
        assert.throws(() => b.snapshot(), isError('STATE_ERROR', pattern), what);
      }
    });

    it('reads its latest writes across many flushes', () => {
      const b = backend({ writeBatchSize: 100 });
      const count = b.getState(new ValueStateDescriptor('count', 0));
      const seen = b.getMapState(new MapStateDescriptor<number, number>('seen'));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 2_000; i++) {
          b.setCurrentKey(i);
          count.update(count.value() + 1);
          seen.put(round, i);
        }
      }
      for (let i = 0; i < 2_000; i += 97) {
        b.setCurrentKey(i);
        assert.equal(count.value(), 3);
        assert.deepEqual(
          [...seen.entries()],
          [
            [0, i],
            [1, i],
            [2, i],
          ],
        );
      }
      assert.equal(b.size(), 4_000, 'a map state counts keys, not entries');
    });
  });

  describe('streamed snapshots', () => {
    /** Writes `n` keys into a value state (`count` = key + 1) and a map state (two entries per key). */
    const fill = (b: LmdbKeyedStateBackend, n: number) => {
      const count = b.getState(new ValueStateDescriptor('count', 0));
      const seen = b.getMapState(new MapStateDescriptor<number, number>('seen'));
      for (let i = 0; i < n; i++) {
        b.setCurrentKey(i);
        count.update(i + 1);
        seen.put(0, i);
        seen.put(1, i + 1_000);
      }
      return { count, seen };
    };

    it('reads the state as it was when taken, while the backend goes on writing between chunks', () => {
      // Two key groups of about 6k keys each: each group is read in several chunks.
      const b = backend({ maxParallelism: 2, keyGroupRange: { start: 0, end: 1 }, writeBatchSize: 500 });
      const n = 3 * CHUNK_UNITS;
      const { count, seen } = fill(b, n);
      const expected = b.snapshot();
      const stream = b.snapshotStream();
      const taken = stream.header;
      assert.deepEqual(
        taken.states.map((s) => [s.name, s.keyGroups.length]),
        [
          ['count', 0],
          ['seen', 0],
        ],
        'the header has every state and no key groups',
      );
      let chunks = 0;
      for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) {
        chunks++;
        const units = chunk.group.entries.reduce((sum, [, v]) => sum + (Array.isArray(v) ? v.length : 1), 0);
        assert.ok(units <= CHUNK_UNITS + 1, `a chunk holds at most ${CHUNK_UNITS} values, got ${units}`);
        appendKeyedStateChunk(taken, chunk);
        // Writes between chunks, flushed to LMDB: none of them may show in the snapshot.
        for (let i = 0; i < 200; i++) {
          b.setCurrentKey((chunks * 200 + i) % n);
          count.update(-1);
          seen.remove(0);
        }
        b.flush();
      }
      assert.ok(chunks >= 9, `read in several chunks per key group (${chunks})`);
      assert.deepEqual(
        taken.states.map((s) => s.keyGroups.map((g) => g.keyGroup)),
        [
          [0, 1],
          [0, 1],
        ],
        "a key group's chunks make one group again",
      );
      assert.deepEqual(taken, expected);
      assert.equal(stream.next(), undefined, 'an ended stream stays ended');
    });

    it('restores into either backend as the plain snapshot does', () => {
      const b = backend();
      fill(b, 1_000);
      const stream = b.snapshotStream();
      const snapshot = stream.header;
      for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) {
        appendKeyedStateChunk(snapshot, chunk);
      }
      const onHeap = new HeapKeyedStateBackend({
        maxParallelism: 128,
        keyGroupRange: { start: 0, end: 127 },
        clock: new ManualClock(0),
      });
      const onLmdb = backend();
      for (const target of [onHeap, onLmdb]) {
        target.restore([snapshot]);
        const count = target.getState(new ValueStateDescriptor('count', 0));
        const seen = target.getMapState(new MapStateDescriptor<number, number>('seen'));
        for (const key of [0, 1, 500, 999]) {
          target.setCurrentKey(key);
          assert.equal(count.value(), key + 1);
          assert.deepEqual(
            [...seen.entries()],
            [
              [0, key],
              [1, key + 1_000],
            ],
          );
        }
      }
      onHeap.dispose();
    });

    it('ends with the backend: reading on after dispose is a STATE_ERROR', () => {
      const b = full();
      fill(b, 2 * CHUNK_UNITS);
      const stream = b.snapshotStream();
      assert.ok(stream.next() !== undefined);
      b.dispose();
      assert.throws(() => stream.next(), isError('STATE_ERROR', /disposed during a snapshot/));
      stream.close();
    });

    it('releases its read transaction when closed early, so the backend can take more', () => {
      const b = backend();
      fill(b, 2 * CHUNK_UNITS);
      for (let i = 0; i < 5; i++) {
        const stream = b.snapshotStream();
        assert.ok(stream.next() !== undefined);
        stream.close();
        stream.close();
      }
      assert.equal(
        b.snapshot().states[0].keyGroups.reduce((n, g) => n + g.entries.length, 0),
        2 * CHUNK_UNITS,
      );
    });
  });
});
