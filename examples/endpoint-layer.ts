// The endpoint-layer pattern of the Keras functional API guide: a layer that takes the targets, the logits and the
// sample weights as inputs, adds its loss (addLoss) and an accuracy (addMetric) itself, and returns predictions.
// The model is compiled with only an optimizer and fit on a dict of arrays keyed by the model's input names.
// Run: npm run build:ts && node dist/examples/endpoint-layer.js
import * as kiln from '../src/index.js';

const { ops } = kiln;

/** Adds a weighted binary crossentropy on logits as the model's loss and logs the binary accuracy. */
export class LogisticEndpoint extends kiln.Layer<kiln.Tensor[], kiln.Tensor> {
  readonly lossFn = new kiln.losses.BinaryCrossentropy({ fromLogits: true });

  /** inputs: [targets, logits, sampleWeights]; returns the predicted probabilities. */
  override call([targets, logits, sampleWeights]: kiln.Tensor[]): kiln.Tensor {
    this.addLoss(this.lossFn.apply(targets, logits, sampleWeights));
    const probabilities = ops.sigmoid(logits);
    this.addMetric(kiln.metrics.binaryAccuracy(targets, probabilities), { name: 'accuracy' });
    return probabilities;
  }
}

/** The data: 3 features, 10 binary targets (signs of fixed random projections), a positive weight per sample. */
export function endpointData(n: number, seed: number): Record<'inputs' | 'targets' | 'sampleWeights', kiln.Tensor> {
  const inputs = ops.randomNormal([n, 3], { seed });
  const projections = ops.randomNormal([3, 10], { seed: seed + 1 });
  const targets = ops.cast(ops.greater(ops.matmul(inputs, projections), 0), 'float32');
  const sampleWeights = ops.randomUniform([n, 1], { minval: 0.5, maxval: 1.5, seed: seed + 2 });
  return { inputs, targets, sampleWeights };
}

/** Builds the model of the guide: Dense(10) logits into a LogisticEndpoint, three named inputs. */
export function endpointModel(): kiln.Functional {
  const inputs = kiln.input({ shape: [3], name: 'inputs' });
  const targets = kiln.input({ shape: [10], name: 'targets' });
  const sampleWeights = kiln.input({ shape: [1], name: 'sampleWeights' });
  const logits = new kiln.layers.Dense({ units: 10 }).apply(inputs);
  const predictions = new LogisticEndpoint({ name: 'predictions' }).apply([targets, logits, sampleWeights]);
  return kiln.model({ inputs: { inputs, targets, sampleWeights }, outputs: predictions });
}

/** Trains the endpoint model on a dict of arrays; returns the History's per-epoch logs. */
export function trainEndpointModel({ epochs = 10, samples = 256, seed = 7, verbose = 0 as kiln.Verbose } = {}):
  Record<string, number[]> {
  kiln.ops.setRandomSeed(seed);
  const model = endpointModel();
  model.compile({ optimizer: new kiln.optimizers.Adam({ learningRate: 0.05 }) });
  return model.fit(endpointData(samples, seed), null, { epochs, batchSize: 32, verbose }).history;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const history = trainEndpointModel({ verbose: 2 });
  console.log(`loss ${history.loss[0].toFixed(4)} → ${history.loss.at(-1)!.toFixed(4)}, ` +
    `accuracy ${history.accuracy.at(-1)!.toFixed(3)}`);
}
