import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Layer, ShapeError, ValueError, type Tensor } from '../../src/index.js';

const { InputSpec } = kiln.layers;

/** Passes its input through; its spec is set by the tests. */
class Pass extends Layer {
  override call(x: Tensor): Tensor {
    return x;
  }
}

/** Like Dense: build fixes the last axis to the size it was built for. */
class Tightens extends Layer {
  builds = 0;
  constructor(private readonly size: number) {
    super({ name: 'tightens' });
    this.inputSpec = new InputSpec({ minNdim: 2 });
  }
  override build(): void {
    this.builds++;
    // Built for a fixed size whatever the first input: the re-check after build must catch a mismatch.
    this.inputSpec = new InputSpec({ minNdim: 2, axes: { [-1]: this.size } });
  }
  override call(x: Tensor): Tensor {
    return x;
  }
}

describe('inputSpec checks', () => {
  test('minNdim is checked with a ShapeError naming the layer', () => {
    const p = new Pass({ name: 'min2' });
    p.inputSpec = new InputSpec({ minNdim: 2 });
    expect(() => p.apply(kiln.zeros([3]))).toThrow(ShapeError);
    expect(() => p.apply(kiln.zeros([3]))).toThrow('Pass "min2": expected input of rank ≥ 2, got rank 1 (input shape [3])');
    expect(() => p.apply(kiln.zeros([1, 2, 3]))).not.toThrow();
  });

  test('axes fix sizes by positive or negative axis, and an axis beyond the rank is an error', () => {
    const p = new Pass({ name: 'axes' });
    p.inputSpec = new InputSpec({ axes: { 1: 3, [-1]: 2 } });
    expect(() => p.apply(kiln.zeros([5, 3, 2]))).not.toThrow();
    expect(() => p.apply(kiln.zeros([5, 4, 2]))).toThrow('Pass "axes": expected axis 1 of input to have size 3, got 4');
    expect(() => p.apply(kiln.zeros([5, 3, 7]))).toThrow(/expected axis -1 of input to have size 2, got 7/);
    expect(() => p.apply(kiln.zeros([5]))).toThrow(/expected input to have an axis 1 of size 3, got rank 1/);
  });

  test('the dtype spec is checked before the layer casts nothing (int inputs to a float layer)', () => {
    const p = new Pass({ name: 'floats' });
    p.inputSpec = new InputSpec({ dtype: 'float32' });
    expect(() => p.apply(kiln.zeros([2], 'int32'))).toThrow(ValueError);
    expect(() => p.apply(kiln.zeros([2], 'int32'))).toThrow(/Pass "floats": expected input of dtype float32, got int32/);
  });

  test('the spec is checked again right after build, so a spec build tightens applies to the first call too', () => {
    const t = new Tightens(4);
    expect(() => t.apply(kiln.zeros([2, 3]))).toThrow('Tightens "tightens": expected axis -1 of input to have size 4, got 3');
    expect(t.builds).toBe(1);
    const ok = new Tightens(3);
    expect(() => ok.apply(kiln.zeros([2, 3]))).not.toThrow();
    expect(() => ok.apply(kiln.zeros([2, 5]))).toThrow(/size 3, got 5/);
  });

  test('specs are checked on symbolic inputs too, naming the layer', () => {
    const p = new Pass({ name: 'sym' });
    p.inputSpec = new InputSpec({ ndim: 3 });
    expect(() => p.apply(kiln.input({ shape: [4] }))).toThrow(/Pass "sym": expected input of rank 3, got rank 2/);
    const dense = new kiln.layers.Dense({ units: 2, name: 'fc784' });
    dense.apply(kiln.input({ shape: [784] }));
    expect(() => dense.apply(kiln.input({ shape: [28] })))
      .toThrow(/Dense "fc784": expected axis -1 of input to have size 784, got 28/);
  });

  test('a dtype spec is checked after autocast on symbolic inputs too (float32 input, float64 layer)', () => {
    const p = new Pass({ name: 'f64', dtype: 'float64' });
    p.inputSpec = new InputSpec({ dtype: 'float64', ndim: 2 });
    const y = p.apply(kiln.input({ shape: [3] }));
    expect(y.dtype).toBe('float64');
    expect(() => p.apply(kiln.input({ shape: [3], dtype: 'int32' }))).toThrow(/expected input of dtype float64, got int32/);
  });

  test('an InputSpec axis beyond its ndim is a ValueError', () => {
    expect(() => new InputSpec({ ndim: 2, axes: { 2: 4 } })).toThrow(/axis 2 is out of range for ndim 2/);
  });
});
