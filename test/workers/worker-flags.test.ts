// The V8 flags a data-plane worker starts with (pool.ts workerExecArgv): the control process's
// own flags, plus a young-generation cap unless the operator set one, and --expose-gc (a worker
// collects once after a whole table).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WORKER_MAX_SEMI_SPACE_MIB, workerExecArgv } from '../../gateway/workers/pool.ts';

test('a worker gets the control process flags and the semi-space cap', () => {
  assert.equal(workerExecArgv(['--enable-source-maps']), ['--enable-source-maps', `--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`, '--expose-gc']);
  assert.equal(workerExecArgv([]), [`--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`, '--expose-gc']);
  assert.equal(workerExecArgv(['--expose-gc']), ['--expose-gc', `--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`]);
});

test("the operator's own --max-semi-space-size wins, on the command line or in NODE_OPTIONS", () => {
  assert.equal(workerExecArgv(['--max-semi-space-size=64']), ['--max-semi-space-size=64', '--expose-gc']);
  assert.equal(workerExecArgv(['--max_semi_space_size', '8']), ['--max_semi_space_size', '8', '--expose-gc']);
  assert.equal(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32'), ['--expose-gc']);
  assert.equal(workerExecArgv([], '--max-old-space-size=512'), [`--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`, '--expose-gc']);
});

test.run();
