// The queue's parts that need no Redis: reading --queue (and never echoing its password), the wire
// format of payloads and results, the progress line, and the shared-storage marker check.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQueueUrl, redactor, QUEUE_PASSWORD_ENV } from '../../src/queue/queue-url.ts';
import { fromWire, toWire } from '../../src/queue/jobs.ts';
import { progressLine } from '../../src/queue/job-progress.ts';
import { checkShared, removeMarker, writeMarker, SharedStorageError } from '../../src/queue/shared-storage.ts';

test('--queue: host, port, db and credentials read; the password masked in the shown form', () => {
  const q = parseQueueUrl('redis://:s%40cret@10.0.0.5:6380/2', {});
  assert.equal(q.shown, 'redis://:***@10.0.0.5:6380/2');
  assert.deepEqual(q.redis, { host: '10.0.0.5', port: 6380, db: 2, password: 's@cret' });
  assert.equal(q.redact('error near s@cret and s%40cret'), 'error near *** and ***');
  const user = parseQueueUrl('rediss://alice:pw1@cache.example:6390', {});
  assert.equal(user.shown, 'rediss://alice:***@cache.example:6390');
  assert.deepEqual(user.redis, { host: 'cache.example', port: 6390, db: 0, username: 'alice', password: 'pw1', tls: { servername: 'cache.example' } });
  const fromEnv = parseQueueUrl('redis://127.0.0.1', { [QUEUE_PASSWORD_ENV]: 'envpw' });
  assert.equal(fromEnv.redis.password, 'envpw');
  assert.equal(fromEnv.shown, 'redis://127.0.0.1');
  assert.equal(fromEnv.redact('envpw'), '***');
});

test('--queue: every malformed address is one line that never shows the password', () => {
  for (const [url, why] of [
    ['http://:topsecret@host:1', /unsupported scheme 'http'/],
    ['redis://:topsecret@host:1/zero', /database 'zero' is not a number/],
    ['redis://:topsecret@host:1/?tls=1', /query strings and fragments are not supported/],
    ['redis://:top secret@', /not a URL/],
  ] as const) {
    assert.throws(() => parseQueueUrl(url, {}), (e: Error) => {
      assert.match(e.message, why);
      assert.ok(!e.message.includes('topsecret') && !e.message.includes('top secret'), e.message);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
  assert.equal(redactor(['', 'x y'])('a x y b x%20y'), 'a *** b ***');
});

test('the wire format keeps ±Infinity and NaN, drops undefined, and leaves everything else as JSON', () => {
  const value = { a: Infinity, b: [-Infinity, NaN, 1.5, null, 'x'], c: { d: undefined, e: true }, f: 0 };
  const wire = JSON.parse(JSON.stringify(toWire(value)));
  assert.deepEqual(fromWire(wire), { a: Infinity, b: [-Infinity, NaN, 1.5, null, 'x'], c: { e: true }, f: 0 });
});

test('the progress line counts jobs by state and per worker', () => {
  assert.equal(progressLine([{ phase: 'waiting' }, { phase: 'running', worker: 'b' }, { phase: 'done', worker: 'a' }, { phase: 'done', worker: 'b' }, { phase: 'failed', worker: 'a' }]),
    'queue: 2/5 done, 1 running, 1 waiting, 1 failed | a: 1 done, 0 running; b: 1 done, 1 running');
  assert.equal(progressLine([{ phase: 'waiting' }]), 'queue: 0/1 done, 0 running, 1 waiting, 0 failed');
});

test('the marker check: passes where the submitter\'s file is seen, one clear line where it is not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-marker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = writeMarker(join(dir, 'train'));
  checkShared(marker, [dir]);
  const fails = (m: typeof marker, inputs: string[], re: RegExp) => assert.throws(() => checkShared(m, inputs), (e: Error) => e instanceof SharedStorageError && re.test(e.message));
  fails(marker, [join(dir, 'no-dataset')], /cannot see \S+no-dataset \(the submitter on \S+ can\): run directories and datasets must be on storage every worker sees at the same path \(NFS or similar\)/);
  fails({ ...marker, token: 'other' }, [], /sees another version of \S+\.sgfd-queue-marker\.json, written by the submitter on/);
  writeFileSync(marker.path, 'not json');
  fails(marker, [], /cannot see \S+\.sgfd-queue-marker\.json/);
  const again = writeMarker(join(dir, 'train'));
  removeMarker(marker); // not ours any more: left alone
  checkShared(again);
  removeMarker(again);
  fails(again, [], /cannot see/);
});
