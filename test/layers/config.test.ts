import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Layer, Tensor } from '../../src/index.js';
import type { AnyLayer } from '../../src/engine/index.js';

const L = kiln.layers;

/** serialize → JSON text → deserialize, as saving a model would. */
function roundTrip(layer: AnyLayer): AnyLayer {
  return kiln.deserializeLayer(JSON.parse(JSON.stringify(kiln.serializeLayer(layer))));
}

describe('layer configs', () => {
  const cases: [string, () => AnyLayer][] = [
    ['Dense with every option', () => new L.Dense({
      units: 7, activation: 'selu', useBias: false, name: 'fc', trainable: false, dtype: 'float64',
      kernelInitializer: new kiln.initializers.HeNormal({ seed: 5 }), biasInitializer: new kiln.initializers.Constant({ value: 0.5 }),
      kernelRegularizer: new kiln.regularizers.L1L2({ l1: 0.1, l2: 0.2 }), biasRegularizer: 'l1',
      kernelConstraint: new kiln.constraints.MinMaxNorm({ minValue: 0.5, maxValue: 2, rate: 0.5, axis: [0] }),
      biasConstraint: 'unitNorm', activityRegularizer: 'l2',
    })],
    ['Dense with defaults', () => new L.Dense({ units: 1 })],
    ['Activation', () => new L.Activation({ activation: 'hardSilu', name: 'act' })],
    ['Dropout', () => new L.Dropout({ rate: 0.25, noiseShape: [null, 1, null], seed: 9 })],
    ['Flatten', () => new L.Flatten({ dataFormat: 'channelsFirst' })],
    ['Reshape', () => new L.Reshape({ targetShape: [2, -1, 3] })],
    ['Sequential', () => new kiln.Sequential([new L.Dense({ units: 2 }), new L.Dropout({ rate: 0.1 })])],
  ];

  for (const [what, make] of cases)
    test(`${what} round-trips through JSON with an equal config and the same class`, () => {
      const layer = make();
      const copy = roundTrip(layer);
      expect(copy.constructor).toBe(layer.constructor);
      expect(copy.getConfig()).toEqual(layer.getConfig());
    });

  test('a Dense rebuilt from its config computes the same with the same weights', () => {
    const d = new L.Dense({ units: 3, activation: 'tanh', dtype: 'float64' });
    const x = kiln.tensor([[1, 2], [3, 4]], [2, 2], 'float64');
    const y = d.apply(x);
    const copy = roundTrip(d) as Layer;
    copy.apply(x);
    copy.setWeights(d.getWeights());
    expect(Array.from(copy.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
  });

  test('a custom layer round-trips once registered, and fails clearly before', () => {
    class Scale extends kiln.Layer {
      readonly factor: number;
      constructor(options: kiln.LayerOptions & { factor: number }) {
        super(options);
        this.factor = options.factor;
      }
      override call(x: Tensor): Tensor {
        return kiln.ops.mul(x, this.factor);
      }
      override getConfig(): kiln.Config {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    const s = new Scale({ factor: 3, name: 'triple' });
    expect(() => kiln.serializeLayer(s)).toThrow(/class Scale is not registered as a layer/);
    expect(() => kiln.deserializeLayer({ className: 'Scale', config: {} })).toThrow(/unknown layer "Scale"; known: .*Dense/);
    kiln.registerLayer(Scale);
    const copy = roundTrip(s) as Scale;
    expect(copy).toBeInstanceOf(Scale);
    expect(copy.factor).toBe(3);
    expect(copy.name).toBe('triple');
    expect(copy.apply(kiln.scalar(2)).item()).toBe(6);
  });

  test('deserializing something that is not {className, config} is a ValueError', () => {
    expect(() => kiln.deserializeLayer({ className: 'Dense' } as unknown as kiln.Serialized))
      .toThrow(/deserializeLayer: expected \{className, config\}/);
  });
});
