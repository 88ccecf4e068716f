// float32 convolutions through the native kernel's cached oneDNN plans: the plain-nhwc path taken when a channel
// count does not fill oneDNN's 8-channel blocks (a one-channel first layer, as in Fashion-MNIST), the blocked path,
// and plan reuse across calls with other data, interleaved geometries and another batch size. References are
// float64 direct loops over the definition.
import { describe, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, randomTensor } from '../util/check.js';

const { conv2d, conv2dBackpropInput, conv2dBackpropFilter } = kiln.ops;

interface Geometry {
  x: number[];  // [N, H, W, C]
  f: number[];  // [KH, KW, C, OC]
  stride: number;
}

/** 'valid' convolution by the definition: calls visit(xIndex, fIndex, yIndex) for every multiply-add. */
function visit(g: Geometry, fn: (xi: number, fi: number, yi: number) => void): number[] {
  const [N, H, W, C] = g.x, [KH, KW, , OC] = g.f, s = g.stride;
  const OH = Math.floor((H - KH) / s) + 1, OW = Math.floor((W - KW) / s) + 1;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++)
            for (let c = 0; c < C; c++)
              for (let o = 0; o < OC; o++)
                fn(((n * H + oh * s + kh) * W + ow * s + kw) * C + c, ((kh * KW + kw) * C + c) * OC + o,
                  ((n * OH + oh) * OW + ow) * OC + o);
  return [N, OH, OW, OC];
}

/** Checks all three passes in float32 against float64 references. */
function checkPasses(g: Geometry, seed: number): void {
  const x = randomTensor(g.x, seed), f = randomTensor(g.f, seed + 1);
  const xd = x.dataSync(), fd = f.dataSync();
  const yShape = visit(g, () => undefined);
  const dy = randomTensor(yShape, seed + 2), dyd = dy.dataSync();
  const y = new Array<number>(yShape.reduce((a, b) => a * b, 1)).fill(0);
  const dx = new Array<number>(xd.length).fill(0), df = new Array<number>(fd.length).fill(0);
  visit(g, (xi, fi, yi) => {
    y[yi] += xd[xi] * fd[fi];
    dx[xi] += dyd[yi] * fd[fi];
    df[fi] += xd[xi] * dyd[yi];
  });
  const [x32, f32, dy32] = [x, f, dy].map((t): Tensor => kiln.ops.cast(t, 'float32'));
  const st: [number, number] = [g.stride, g.stride];
  expectClose(conv2d(x32, f32, st, 'valid'), y, yShape, 1e-4, 1e-4);
  expectClose(conv2dBackpropInput(dy32, f32, g.x, st, 'valid'), dx, g.x, 1e-4, 1e-4);
  // The filter gradient sums over the whole batch: float32 error grows with it.
  expectClose(conv2dBackpropFilter(x32, dy32, g.f, st, 'valid'), df, g.f, 1e-3, 1e-4);
}

const firstLayer: Geometry = { x: [16, 12, 12, 1], f: [3, 3, 1, 32], stride: 1 };
const rgb: Geometry = { x: [4, 9, 11, 3], f: [3, 2, 3, 8], stride: 2 };
const oddOut: Geometry = { x: [3, 8, 8, 8], f: [2, 2, 8, 12], stride: 1 };
const blocked: Geometry = { x: [4, 9, 9, 16], f: [3, 3, 16, 32], stride: 1 };

describe('conv2d float32 plans', () => {
  test('a one-channel first layer (plain nhwc path) matches float64 in all three passes', () => {
    checkPasses(firstLayer, 1);
  });

  test('three input channels with stride 2 and an output count off the block size match float64', () => {
    checkPasses(rgb, 4);
    checkPasses(oddOut, 7);
  });

  test('the blocked-layout path matches float64', () => {
    checkPasses(blocked, 10);
  });

  test('cached plans give fresh results for new data, interleaved geometries and another batch size', () => {
    for (let round = 0; round < 2; round++) {
      checkPasses(firstLayer, 20 + round * 10);
      checkPasses(blocked, 23 + round * 10);
      checkPasses({ ...firstLayer, x: [5, 12, 12, 1] }, 26 + round * 10);
    }
  });
});
