import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../util/check.js';
import type { Tensor } from '../../src/index.js';

const { ops } = kiln;

describe('indexing and movement ops under tracing', () => {
  test('a traced program of slicing, joining, padding, gathering and scans interprets like eager execution', () => {
    const idx = kiln.tensor([2, 0, 2], [3], 'int32');
    const program = (x: Tensor, y: Tensor): Tensor[] => {
      const s = ops.stridedSlice(x, [3, 0], [0, 4], [-1, 2]);           // [3, 2]
      const c = ops.concat([s, ops.slice(y, [0, 1], [3, 2])], 1);        // [3, 4]
      const p = ops.pad(ops.reverse(c, 0), [[1, 0], [0, 1]], 0.5);       // [4, 5]
      const g = ops.gather(ops.tile(p, [1, 2]), idx, 1);                 // [4, 3]
      const [a, b] = ops.split(ops.cumsum(g, 0, { reverse: true }), [1, 3], 0);
      const st = ops.stack(ops.unstack(b, 1), 0);                        // [3, 3]
      const seg = ops.unsortedSegmentSum(st, idx, 4);                    // [4, 3]
      return [ops.clip(a, -0.5, 0.5), seg, ops.cumprod(st, 1, { exclusive: true }),
        ops.oneHot(idx, 3, { dtype: 'float64' })];
    };
    const x = randomTensor([4, 5], 1), y = randomTensor([3, 3], 2);
    const graph = kiln.trace(program, [{ shape: [4, 5], dtype: 'float64' }, { shape: [3, 3], dtype: 'float64' }]);
    expect(graph.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(
      ['stridedSlice', 'concat', 'pad', 'gather', 'cumsum', 'unsortedSegmentSum', 'cumprod']));
    const traced = interpret(graph, [x, y]);
    const eager = program(x, y);
    expect(traced.length).toBe(eager.length);
    traced.forEach((t, i) => expectClose(t, eager[i].dataSync(), eager[i].shape, 0, 0));
  });
});
