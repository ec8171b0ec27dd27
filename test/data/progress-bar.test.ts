// The one progress bar (training epochs, batch scoring): drawn on a TTY, silent on a pipe or when quiet.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar, formatSeconds } from '../../src/data/progress-bar.ts';

const fake = (isTTY: boolean) => {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (x: string) => lines.push(x) } as unknown as NodeJS.WriteStream };
};

test('the bar shows prefix, fill, percent, suffix and ETA on a TTY; a line replaces it; nothing on a pipe or when quiet', () => {
  const tty = fake(true);
  const bar = new ProgressBar(false, 20, tty.stream);
  bar.draw('epoch 3/10', 0.25, 'loss 0.5000');
  bar.draw('epoch 3/10', 0.5, 'loss 0.4000'); // within 100 ms of the last draw and not done: skipped
  bar.draw('epoch 3/10', 1, 'loss 0.3000');
  bar.line('epoch 3: done');
  bar.done();
  assert.equal(tty.lines.length, 4);
  assert.match(tty.lines[0], /^\repoch 3\/10 \[={5} {15}\]  25% loss 0\.5000 ETA \d+s\x1b\[K$/);
  assert.match(tty.lines[1], /\[={20}\] 100% loss 0\.3000 ETA 0s/);
  assert.equal(tty.lines[2], '\repoch 3: done\x1b[K\n');
  assert.equal(tty.lines[3], '\n');
  for (const [isTTY, quiet] of [[false, false], [true, true]]) {
    const s = fake(isTTY);
    const b = new ProgressBar(quiet, 20, s.stream);
    b.draw('', 0.5, 'x');
    b.line('y');
    b.done();
    assert.deepEqual(s.lines, []);
  }
});

test('seconds are written as s, m+s or h+m', () => {
  assert.deepEqual([formatSeconds(42.4), formatSeconds(185), formatSeconds(3720)], ['42s', '3m05s', '1h02m']);
});
