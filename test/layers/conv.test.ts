import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { checkWeightGradients, expectConfigRoundTrip, seedWeights } from './layer-check.js';

const { Conv1D, Conv2D, Conv2DTranspose } = kiln.layers;

/** TF/Keras 'same' geometry of one axis: output size and padding before. */
function sameGeometry(size: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  return [out, Math.floor(Math.max((out - 1) * stride + eff - size, 0) / 2)];
}

function validOut(size: number, k: number, stride: number, dilation: number): number {
  return Math.floor((size - ((k - 1) * dilation + 1)) / stride) + 1;
}

/** float64 reference of a channels-last 2-D convolution plus bias, kernel [kh, kw, C, F]. */
function conv2dRef(x: ArrayLike<number>, [n, h, w, c]: number[], k: ArrayLike<number>, [kh, kw, , f]: number[],
                   bias: ArrayLike<number> | null, [sh, sw]: number[], [dh, dw]: number[], padding: string) {
  const [oh, pt] = padding === 'same' ? sameGeometry(h, kh, sh, dh) : [validOut(h, kh, sh, dh), 0];
  const [ow, pl] = padding === 'same' ? sameGeometry(w, kw, sw, dw) : [validOut(w, kw, sw, dw), 0];
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < f; o++) {
    let s = bias ? bias[o] : 0;
    for (let a = 0; a < kh; a++) for (let e = 0; e < kw; e++) {
      const y = i * sh + a * dh - pt, z = j * sw + e * dw - pl;
      if (y < 0 || y >= h || z < 0 || z >= w) continue;
      for (let ch = 0; ch < c; ch++) s += x[((b * h + y) * w + z) * c + ch] * k[((a * kw + e) * c + ch) * f + o];
    }
    out.push(s);
  }
  return { values: out, shape: [n, oh, ow, f] };
}

/** float64 reference of Conv1D with 'valid', 'same' or 'causal' padding, kernel [k, C, F]. */
function conv1dRef(x: ArrayLike<number>, [n, len, c]: number[], k: ArrayLike<number>, [kl, , f]: number[],
                   bias: ArrayLike<number>, stride: number, dil: number, padding: string) {
  const eff = (kl - 1) * dil + 1;
  let out: number, before: number;
  if (padding === 'same') [out, before] = sameGeometry(len, kl, stride, dil);
  else if (padding === 'causal') [out, before] = [Math.floor((len + eff - 1 - eff) / stride) + 1, eff - 1];
  else [out, before] = [validOut(len, kl, stride, dil), 0];
  const vals: number[] = [];
  for (let b = 0; b < n; b++) for (let t = 0; t < out; t++) for (let o = 0; o < f; o++) {
    let s = bias[o];
    for (let a = 0; a < kl; a++) {
      const p = t * stride + a * dil - before;
      if (p < 0 || p >= len) continue;
      for (let ch = 0; ch < c; ch++) s += x[(b * len + p) * c + ch] * k[(a * c + ch) * f + o];
    }
    vals.push(s);
  }
  return { values: vals, shape: [n, out, f] };
}

/**
 * float64 reference of a transposed convolution as the adjoint of conv2d: every input pixel scatters
 * x·K[a, e, f, c] to output (i·s + a·d − padBefore); output sizes from Keras `deconv_output_length`.
 */
function conv2dTransposeRef(x: ArrayLike<number>, [n, h, w, c]: number[], k: ArrayLike<number>,
                            [kh, kw, f]: number[], bias: ArrayLike<number>, [sh, sw]: number[], [dh, dw]: number[],
                            padding: string) {
  const len = (size: number, kk: number, s: number, d: number): number => {
    const eff = kk + (kk - 1) * (d - 1);
    return padding === 'valid' ? size * s + Math.max(eff - s, 0) : size * s;
  };
  const oh = len(h, kh, sh, dh), ow = len(w, kw, sw, dw);
  const before = (out: number, inp: number, kk: number, s: number, d: number): number =>
    (padding === 'same' ? Math.floor(Math.max((inp - 1) * s + (kk - 1) * d + 1 - out, 0) / 2) : 0);
  const pt = before(oh, h, kh, sh, dh), pl = before(ow, w, kw, sw, dw);
  const out = new Array<number>(n * oh * ow * f).fill(0);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < f; o++)
    out[((b * oh + i) * ow + j) * f + o] = bias[o];
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++)
    for (let a = 0; a < kh; a++) for (let e = 0; e < kw; e++) {
      const y = i * sh + a * dh - pt, z = j * sw + e * dw - pl;
      if (y < 0 || y >= oh || z < 0 || z >= ow) continue;
      for (let o = 0; o < f; o++) for (let ch = 0; ch < c; ch++)
        out[((b * oh + y) * ow + z) * f + o] += x[((b * h + i) * w + j) * c + ch] * k[((a * kw + e) * f + o) * c + ch];
    }
  return { values: out, shape: [n, oh, ow, f] };
}

describe('Conv2D values', () => {
  const cases: [string, kiln.layers.Conv2DOptions, number[]][] = [
    ['valid padding', { filters: 3, kernelSize: [2, 3] }, [2, 5, 6, 2]],
    ['same padding with strides 2', { filters: 2, kernelSize: 3, strides: 2, padding: 'same' }, [1, 7, 6, 3]],
    ['same padding with dilation 2', { filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same' }, [2, 5, 5, 1]],
    ['valid padding with strides [1, 2]', { filters: 1, kernelSize: 3, strides: [1, 2] }, [1, 4, 7, 2]],
  ];
  for (const [what, opts, xShape] of cases)
    test(`${what} gives the float64 reference convolution plus bias`, () => {
      const layer = new Conv2D({ ...opts, dtype: 'float64' });
      const x = randomTensor(xShape, 1);
      layer.apply(x);
      const [k, b] = seedWeights(layer, 5);
      const ref = conv2dRef(x.dataSync(), xShape, k, [...layer.kernel!.shape], b, layer.strides, layer.dilationRate,
        layer.padding);
      expectClose(layer.apply(x), ref.values, ref.shape, 1e-12, 1e-12);
    });

  test('the activation is applied after the bias', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu', dtype: 'float64' });
    const x = randomTensor([1, 3, 3, 2], 2);
    layer.apply(x);
    const [k, b] = seedWeights(layer, 6);
    const ref = conv2dRef(x.dataSync(), [1, 3, 3, 2], k, [2, 2, 2, 2], b, [1, 1], [1, 1], 'valid');
    expectClose(layer.apply(x), ref.values.map((v) => Math.max(v, 0)), ref.shape, 1e-12, 1e-12);
  });

  test('float32 layers match the float64 reference to float32 precision', () => {
    const layer = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' });
    const x = randomTensor([2, 6, 6, 3], 3, 'float32');
    const y = layer.apply(x);
    const [k, b] = layer.getWeights().map((t) => t.dataSync());
    const ref = conv2dRef(x.dataSync(), [2, 6, 6, 3], k, [3, 3, 3, 4], b, [1, 1], [1, 1], 'same');
    expectClose(y, ref.values, ref.shape, 1e-5, 1e-4);
  });

  test('the kernel is [kh, kw, inC, filters], glorotUniform, and the bias is zeros', () => {
    const layer = new Conv2D({ filters: 8, kernelSize: [3, 2] });
    layer.apply(kiln.zeros([1, 4, 4, 5]));
    expect(layer.kernel!.shape).toEqual([3, 2, 5, 8]);
    const limit = Math.sqrt(6 / (3 * 2 * 5 + 3 * 2 * 8));
    const k = Array.from(layer.kernel!.peek().dataSync()).map(Math.abs);
    expect(Math.max(...k)).toBeLessThanOrEqual(limit);
    expect(Math.max(...k)).toBeGreaterThan(0.8 * limit);
    expect(Array.from(layer.bias!.peek().dataSync())).toEqual(new Array(8).fill(0));
    expect(layer.countParams()).toBe(3 * 2 * 5 * 8 + 8);
  });

  test('without a bias there is only the kernel', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 1, useBias: false });
    layer.apply(kiln.zeros([1, 2, 2, 3]));
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`]);
  });
});

describe('Conv1D values', () => {
  const cases: [string, kiln.layers.Conv1DOptions, number[]][] = [
    ['valid padding', { filters: 3, kernelSize: 3 }, [2, 7, 2]],
    ['same padding with stride 2', { filters: 2, kernelSize: 4, strides: 2, padding: 'same' }, [1, 9, 3]],
    ['causal padding with dilation 2', { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'causal' }, [2, 6, 1]],
    ['causal padding with stride 2', { filters: 1, kernelSize: 2, strides: 2, padding: 'causal' }, [1, 7, 2]],
  ];
  for (const [what, opts, xShape] of cases)
    test(`${what} gives the float64 reference`, () => {
      const layer = new Conv1D({ ...opts, dtype: 'float64' });
      const x = randomTensor(xShape, 7);
      layer.apply(x);
      const [k, b] = seedWeights(layer, 8);
      const ref = conv1dRef(x.dataSync(), xShape, k, [...layer.kernel!.shape], b, layer.strides[0],
        layer.dilationRate[0], layer.padding);
      expectClose(layer.apply(x), ref.values, ref.shape, 1e-12, 1e-12);
    });

  test('causal outputs do not depend on later inputs', () => {
    const layer = new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dtype: 'float64' });
    const x = randomTensor([1, 6, 2], 9);
    const y = Array.from(layer.apply(x).dataSync());
    const changed = Array.from(x.dataSync());
    for (let i = 8; i < 12; i++) changed[i] += 1; // steps 4 and 5
    const y2 = Array.from(layer.apply(kiln.tensor(changed, [1, 6, 2], 'float64')).dataSync());
    expect(y2.slice(0, 8)).toEqual(y.slice(0, 8));
    expect(y2.slice(8)).not.toEqual(y.slice(8));
  });
});

describe('Conv2DTranspose values', () => {
  const cases: [string, kiln.layers.Conv2DTransposeOptions, number[]][] = [
    ['valid padding with strides 2', { filters: 2, kernelSize: 3, strides: 2 }, [2, 3, 4, 2]],
    ['same padding with strides 2', { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, [1, 3, 3, 2]],
    ['valid padding with a kernel smaller than the stride', { filters: 1, kernelSize: 2, strides: 3 }, [1, 2, 3, 1]],
    ['same padding with strides 1', { filters: 2, kernelSize: [2, 3], padding: 'same' }, [2, 4, 3, 3]],
    ['valid padding with dilation 2', { filters: 2, kernelSize: 2, dilationRate: 2 }, [1, 3, 3, 2]],
  ];
  for (const [what, opts, xShape] of cases)
    test(`${what} gives the scatter (adjoint) reference with Keras output sizes`, () => {
      const layer = new Conv2DTranspose({ ...opts, dtype: 'float64' });
      const x = randomTensor(xShape, 10);
      layer.apply(x);
      const [k, b] = seedWeights(layer, 11);
      const ref = conv2dTransposeRef(x.dataSync(), xShape, k, [...layer.kernel!.shape], b, layer.strides,
        layer.dilationRate, layer.padding);
      expectClose(layer.apply(x), ref.values, ref.shape, 1e-12, 1e-12);
    });

  test('the kernel is [kh, kw, filters, inC] and 2×2 strides double the spatial size with same padding', () => {
    const layer = new Conv2DTranspose({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' });
    const y = layer.apply(kiln.zeros([2, 4, 3, 7]));
    expect(layer.kernel!.shape).toEqual([3, 3, 5, 7]);
    expect(y.shape).toEqual([2, 8, 6, 5]);
  });
});

describe('convolution gradients', () => {
  test('Conv2D gradients with respect to input, kernel and bias match finite differences', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh', dtype: 'float64' });
    const x = randomTensor([2, 3, 3, 2], 20);
    layer.apply(x);
    seedWeights(layer, 21);
    checkGradients((t) => layer.apply(t), [x]);
    checkWeightGradients(layer, x);
  });

  test('Conv1D causal gradients match finite differences', () => {
    const layer = new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2, dtype: 'float64' });
    const x = randomTensor([2, 5, 2], 22);
    layer.apply(x);
    seedWeights(layer, 23);
    checkGradients((t) => layer.apply(t), [x]);
    checkWeightGradients(layer, x);
  });

  test('Conv2DTranspose gradients match finite differences', () => {
    const layer = new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', dtype: 'float64' });
    const x = randomTensor([1, 2, 3, 2], 24);
    layer.apply(x);
    seedWeights(layer, 25);
    checkGradients((t) => layer.apply(t), [x]);
    checkWeightGradients(layer, x);
  });

  test('a single-channel 1×1 convolution still has matching gradients', () => {
    const layer = new Conv2D({ filters: 1, kernelSize: 1, dtype: 'float64' });
    const x = randomTensor([1, 2, 2, 1], 26);
    layer.apply(x);
    seedWeights(layer, 27);
    checkGradients((t) => layer.apply(t), [x]);
    checkWeightGradients(layer, x);
  });
});

describe('convolution configs and errors', () => {
  test('Conv1D, Conv2D and Conv2DTranspose configs round-trip through JSON', () => {
    expectConfigRoundTrip(new Conv1D({ filters: 3, kernelSize: 5, padding: 'causal', dilationRate: 2,
      activation: 'relu', kernelRegularizer: 'l2', biasConstraint: 'nonNeg', name: 'c1' }));
    expectConfigRoundTrip(new Conv2D({ filters: 4, kernelSize: [3, 1], strides: [2, 1], padding: 'same',
      useBias: false, kernelInitializer: 'heNormal', dtype: 'float64' }));
    expectConfigRoundTrip(new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, biasInitializer: 'ones' }));
  });

  test('a Conv2D on a rank-2 input is a ShapeError naming the layer and the shape', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 3, name: 'conv_a' });
    const call = (): unknown => layer.apply(kiln.zeros([3, 4]));
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow('Conv2D "conv_a": expected input of rank 4, got rank 2 (input shape [3, 4])');
  });

  test('a built Conv2D called with a different channel count names both sizes', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 1, name: 'conv_b' });
    layer.apply(kiln.zeros([1, 2, 2, 3]));
    expect(() => layer.apply(kiln.zeros([1, 2, 2, 4]))).toThrow(/Conv2D "conv_b": expected axis -1 of input to have size 3, got 4/);
  });

  test('channelsFirst, bad padding, bad sizes and strides with dilation are ValueErrors naming the layer', () => {
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, dataFormat: 'channelsFirst', name: 'cf' }))
      .toThrow(/Conv2D "cf": dataFormat 'channelsFirst' is not supported/);
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, padding: 'causal', name: 'p' }))
      .toThrow(`Conv2D "p": padding must be one of 'valid', 'same', got "causal"`);
    expect(() => new Conv1D({ filters: 0, kernelSize: 3, name: 'f' })).toThrow('Conv1D "f": filters must be a positive integer, got 0');
    expect(() => new Conv2D({ filters: 1, kernelSize: [3, 3, 3], name: 'k' }))
      .toThrow('Conv2D "k": kernelSize must be a positive integer or a list of 2, got [3,3,3]');
    expect(() => new Conv2D({ filters: 1, kernelSize: 3, strides: 2, dilationRate: 2, name: 'sd' }))
      .toThrow(kiln.ValueError);
  });
});
