import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { endpointData, endpointModel, trainEndpointModel } from '../../examples/endpoint-layer.js';

test('the endpoint-layer model trains from a dict with only an optimizer: loss falls, accuracy is logged', () => {
  const h = trainEndpointModel({ epochs: 8 });
  expect(Object.keys(h).sort()).toEqual(['accuracy', 'loss']);
  expect(h.loss[7]).toBeLessThan(h.loss[0] * 0.7);
  expect(h.accuracy[7]).toBeGreaterThan(h.accuracy[0]);
  expect(h.accuracy[7]).toBeGreaterThan(0.8);
});

test('the endpoint\'s loss is the sample-weighted binary crossentropy of its logits', () => {
  kiln.ops.setRandomSeed(3);
  const model = endpointModel();
  model.compile({ optimizer: 'sgd' });
  const data = endpointData(16, 11);
  const p = (model.predict(data, { verbose: 0 }) as kiln.Tensor).dataSync();
  const [t, w] = [data.targets.dataSync(), data.sampleWeights.dataSync()];
  // Mean over the 10 targets per sample, times the sample's weight, averaged over the batch.
  let want = 0, correct = 0;
  for (let i = 0; i < 16; i++) {
    let ce = 0;
    for (let j = 0; j < 10; j++) {
      const q = p[i * 10 + j], y = t[i * 10 + j];
      ce -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
      if ((q > 0.5 ? 1 : 0) === y) correct++;
    }
    want += (ce / 10) * w[i];
  }
  const logs = model.evaluate(data, null, { batchSize: 16, returnDict: true, verbose: 0 }) as kiln.Logs;
  expect(logs.loss).toBeCloseTo(want / 16, 4);
  expect(logs.accuracy).toBeCloseTo(correct / 160, 6);
});
