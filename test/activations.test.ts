import { describe, expect, test } from 'vitest';
import * as kiln from '../src/index.js';
import { randomTensor } from './util/check.js';

const A = kiln.activations;

describe('activations lookup', () => {
  test('every known name resolves to the matching kiln.ops function', () => {
    const x = randomTensor([7], 1, 'float64', -3, 3);
    const ops: Record<string, (t: kiln.Tensor) => kiln.Tensor> = {
      relu: kiln.ops.relu, sigmoid: kiln.ops.sigmoid, tanh: kiln.ops.tanh, softmax: (t) => kiln.ops.softmax(t),
      logSoftmax: (t) => kiln.ops.logSoftmax(t), elu: (t) => kiln.ops.elu(t), selu: kiln.ops.selu,
      gelu: (t) => kiln.ops.gelu(t), softplus: kiln.ops.softplus, softsign: kiln.ops.softsign, silu: kiln.ops.silu,
      swish: kiln.ops.swish, hardSigmoid: kiln.ops.hardSigmoid, hardSilu: kiln.ops.hardSilu,
      hardSwish: kiln.ops.hardSwish, relu6: kiln.ops.relu6, leakyRelu: (t) => kiln.ops.leakyRelu(t),
      mish: kiln.ops.mish, exponential: kiln.ops.exponential, linear: kiln.ops.linear,
      logSigmoid: kiln.ops.logSigmoid,
    };
    expect(A.activationNames()).toEqual(Object.keys(ops).sort());
    for (const [name, f] of Object.entries(ops))
      expect(Array.from(A.getActivation(name)(x).dataSync()), name).toEqual(Array.from(f(x).dataSync()));
  });

  test('an unknown name is a ValueError naming the caller and listing every known name', () => {
    expect(() => A.getActivation('tanhh')).toThrow(kiln.ValueError);
    expect(() => A.getActivation('tanhh')).toThrow(`getActivation: unknown activation "tanhh"; known activations: ${A.activationNames().join(', ')}`);
  });

  test('built-in functions serialize to their names; other functions cannot be serialized', () => {
    expect(A.serializeActivation(A.getActivation('log_sigmoid'))).toBe('logSigmoid');
    expect(() => A.serializeActivation((x) => x)).toThrow(/is not a built-in activation/);
  });
});
