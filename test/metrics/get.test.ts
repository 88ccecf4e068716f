import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';

const { metrics } = kiln;

describe('metrics.get', () => {
  test('resolves "accuracy" and "acc" from the shapes as compile() does, keeping the given name', () => {
    const binary = metrics.get('accuracy', { yTrueShape: [32, 1], yPredShape: [32, 1] });
    expect(binary).toBeInstanceOf(metrics.BinaryAccuracy);
    expect(binary.name).toBe('accuracy');
    expect(metrics.get('acc', { yTrueShape: [32], yPredShape: [32, 10] })).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    expect(metrics.get('acc', { yTrueShape: [32, 1], yPredShape: [32, 10] })).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    const cat = metrics.get('Accuracy', { yTrueShape: [32, 10], yPredShape: [32, 10] });
    expect(cat).toBeInstanceOf(metrics.CategoricalAccuracy);
    expect(cat.name).toBe('Accuracy');
    expect(metrics.get('accuracy')).toBeInstanceOf(metrics.Accuracy);
  });

  test('finds classes by snake_case, class and camelCase names and aliases, named by the string', () => {
    expect(metrics.get('sparse_categorical_accuracy')).toBeInstanceOf(metrics.SparseCategoricalAccuracy);
    expect(metrics.get('SparseTopKCategoricalAccuracy')).toBeInstanceOf(metrics.SparseTopKCategoricalAccuracy);
    expect(metrics.get('topKCategoricalAccuracy')).toBeInstanceOf(metrics.TopKCategoricalAccuracy);
    const mse = metrics.get('mse');
    expect(mse).toBeInstanceOf(metrics.MeanSquaredError);
    expect(mse.name).toBe('mse');
    expect(metrics.get('mae')).toBeInstanceOf(metrics.MeanAbsoluteError);
    expect(metrics.get('AUC')).toBeInstanceOf(metrics.AUC);
    expect(metrics.get('precision')).toBeInstanceOf(metrics.Precision);
    expect(metrics.get('recall')).toBeInstanceOf(metrics.Recall);
  });

  test('wraps loss functions given by name and plain functions as means over samples', () => {
    const bce = metrics.get('binary_crossentropy');
    expect(bce).toBeInstanceOf(metrics.MeanMetricWrapper);
    expect(bce.name).toBe('binary_crossentropy');
    bce.updateState(kiln.tensor([[1], [0]]), kiln.tensor([[0.8], [0.4]]));
    expectClose(bce.result(), [-(Math.log(0.8) + Math.log(0.6)) / 2], [], 1e-6, 1e-5);
    function doubled(t: kiln.Tensor, p: kiln.Tensor): kiln.Tensor {
      return kiln.ops.mul(kiln.ops.sub(p, t), 2);
    }
    const m = metrics.get(doubled);
    expect(m.name).toBe('doubled');
    m.updateState(kiln.tensor([1, 2]), kiln.tensor([2, 2]));
    expectClose(m.result(), [1], [], 1e-6, 1e-6);
  });

  test('returns Metric instances as they are and rebuilds serialized ones', () => {
    const auc = new metrics.AUC({ curve: 'PR', numThresholds: 11, name: 'pr' });
    expect(metrics.get(auc)).toBe(auc);
    const again = metrics.get(metrics.serialize(auc)) as kiln.metrics.AUC;
    expect(again).toBeInstanceOf(metrics.AUC);
    expect(again.getConfig()).toEqual(auc.getConfig());
  });

  test('an unknown name is a ValueError listing the known names', () => {
    expect(() => metrics.get('f1')).toThrow(kiln.ValueError);
    expect(() => metrics.get('f1')).toThrow(/metrics\.get: unknown metric "f1"; known metrics: .*AUC.*acc.*mse/);
  });
});

describe('metric updates trace into graphs', () => {
  const cases: [string, () => kiln.metrics.Metric, number[], number[]][] = [
    ['Mean', () => new metrics.Mean(), [4, 3], [4]],
    ['Sum', () => new metrics.Sum(), [4, 3], [4]],
    ['Accuracy', () => new metrics.Accuracy(), [4, 3], [4, 3]],
    ['BinaryAccuracy', () => new metrics.BinaryAccuracy(), [4, 1], [4, 1]],
    ['CategoricalAccuracy', () => new metrics.CategoricalAccuracy(), [4, 3], [4, 3]],
    ['SparseCategoricalAccuracy', () => new metrics.SparseCategoricalAccuracy(), [4], [4, 3]],
    ['TopKCategoricalAccuracy', () => new metrics.TopKCategoricalAccuracy({ k: 2 }), [4, 3], [4, 3]],
    ['SparseTopKCategoricalAccuracy', () => new metrics.SparseTopKCategoricalAccuracy({ k: 2 }), [4], [4, 3]],
    ['AUC', () => new metrics.AUC({ curve: 'PR' }), [4, 1], [4, 1]],
    ['Precision', () => new metrics.Precision({ thresholds: [0.3, 0.6] }), [4, 1], [4, 1]],
    ['Recall', () => new metrics.Recall(), [4, 1], [4, 1]],
    ['MeanSquaredError', () => new metrics.MeanSquaredError(), [4, 3], [4, 3]],
    ['MeanAbsoluteError', () => new metrics.MeanAbsoluteError(), [4, 3], [4, 3]],
  ];

  test.each(cases)('%s.updateState becomes assignVariable nodes and leaves the state alone', (_name, make, a, b) => {
    const m = make();
    const before = m.variables.map((v) => [...v.read().dataSync()]);
    const isValues = m instanceof metrics.Mean || m instanceof metrics.Sum;
    const g = kiln.trace((x, y, w) => {
      if (isValues) m.updateState(x, w);
      else m.updateState(x, y, w);
      return m.result();
    }, [{ shape: a }, { shape: b }, { shape: [4] }], { name: 'update' });
    const assigned = g.nodes.filter((n) => n.op === 'assignVariable').length;
    expect(assigned).toBe(m.variables.length);
    expect(g.state).toHaveLength(m.variables.length);
    expect(m.variables.map((v) => [...v.read().dataSync()])).toEqual(before);
  });

  test('jitted updates leave the same state and results as eager updates over several batches', () => {
    const make = () => [new metrics.AUC({ numThresholds: 7 }), new metrics.AUC({ curve: 'PR', numThresholds: 7 }),
      new metrics.Precision({ thresholds: [0.3, 0.6] }), new metrics.BinaryAccuracy(), new metrics.MeanSquaredError()];
    const eager = make(), compiled = make();
    const step = (ms: kiln.metrics.Metric[]) => (t: kiln.Tensor, p: kiln.Tensor, w: kiln.Tensor) => {
      for (const m of ms) m.updateState(t, p, w);
      return ms.map((m) => m.result());
    };
    const jitted = kiln.jit(step(compiled));
    for (let b = 0; b < 3; b++) {
      const args = [kiln.tensor(uniformValues(6, b, 0, 1).map(Math.round), [6, 1]),
        kiln.tensor(uniformValues(6, b + 10, 0, 1), [6, 1]), kiln.tensor(uniformValues(6, b + 20, 0, 2), [6])];
      const want = step(eager)(args[0], args[1], args[2]);
      const got = jitted(args[0], args[1], args[2]);
      want.forEach((w, i) => expectClose(got[i], w.dataSync(), w.shape, 1e-6, 1e-5));
    }
    expect(jitted.cacheSize).toBe(1);
    compiled.forEach((m, i) => m.variables.forEach((v, j) =>
      expectClose(v.read(), eager[i].variables[j].read().dataSync(), v.shape, 1e-6, 1e-5)));
  });

  test('resetState traces into assignVariable nodes too', () => {
    const m = new metrics.AUC({ numThresholds: 5 });
    const g = kiln.trace(() => { m.resetState(); return m.result(); }, [], { name: 'reset' });
    expect(g.nodes.filter((n) => n.op === 'assignVariable')).toHaveLength(4);
  });
});
