// Deep Learning with Python, chapter 2 style MLP on Fashion-MNIST (Debian's dataset-fashion-mnist): Flatten →
// Dense 512 relu → Dense 10 softmax, rmsprop, sparse categorical crossentropy, batch 128, trained with fit() and a
// progress bar, then evaluated on the test set. Run: npm run build:ts && node dist/examples/fashion-mnist-mlp.js
import * as kiln from '../src/index.js';

const { layers, ops } = kiln;

/** Options of trainFashionMnistMlp. */
export interface FashionMnistMlpOptions {
  /** Epochs (default 5). */
  epochs?: number;
  /** Progress output passed to fit (default 'auto'). */
  verbose?: kiln.Verbose;
  /** Train on the first `trainSamples` images only (default: all 60000). */
  trainSamples?: number;
}

/** What training gave: per-epoch logs, test loss and accuracy, and the seconds fit took. */
export interface FashionMnistMlpResult {
  history: Record<string, number[]>;
  testLoss: number;
  testAccuracy: number;
  fitSeconds: number;
}

/** Trains the MLP with fit() and evaluates it on the 10000 test images. */
export function trainFashionMnistMlp({ epochs = 5, verbose = 'auto', trainSamples }: FashionMnistMlpOptions = {}):
  FashionMnistMlpResult {
  const { train, test } = kiln.datasets.fashionMnist.load();
  const n = trainSamples ?? train.x.shape[0];
  const trainX = ops.div(ops.slice(train.x, [0, 0, 0], [n, 28, 28]), 255);
  const trainY = ops.slice(train.y, [0], [n]);
  const testX = ops.div(test.x, 255);

  const model = new kiln.Sequential([
    new layers.Flatten(),
    new layers.Dense({ units: 512, activation: 'relu' }),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  const history = model.fit(trainX, trainY, { epochs, batchSize: 128, verbose });
  const fitSeconds = (performance.now() - start) / 1000;
  const [testLoss, testAccuracy] = model.evaluate(testX, test.y, { batchSize: 128, verbose: 0 }) as number[];
  return { history: history.history, testLoss, testAccuracy, fitSeconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { testAccuracy, fitSeconds } = trainFashionMnistMlp();
  console.log(`test accuracy ${(testAccuracy * 100).toFixed(2)}% (fit took ${fitSeconds.toFixed(1)} s)`);
}
