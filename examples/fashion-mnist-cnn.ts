// A small convnet on Fashion-MNIST (Debian's dataset-fashion-mnist): Conv2D 32 3×3 relu → max-pool 2 → Flatten →
// Dense 128 relu → Dense 10 softmax, Adam, sparse categorical crossentropy, batch 128, trained with fit() and a
// progress bar, then evaluated on the 10000 test images. One conv layer and a dense head: the DLwP two-conv net
// (Conv2D 32 → pool → Conv2D 64 → pool → Dense 10) costs about twice as much per step here and, with rmsprop, was
// still at 88.4% test accuracy after 4 epochs (this one: 90.2% after 4, 90.8% after 5, seed 1).
// Run: npm run build:ts && node dist/examples/fashion-mnist-cnn.js
import * as kiln from '../src/index.js';

const { layers, ops } = kiln;

/** Options of trainFashionMnistCnn. */
export interface FashionMnistCnnOptions {
  /** Epochs (default 5). */
  epochs?: number;
  /** Progress output passed to fit (default 'auto'). */
  verbose?: kiln.Verbose;
  /** Train on the first `trainSamples` images only (default: all 60000). */
  trainSamples?: number;
}

/** What training gave: per-epoch logs, test loss and accuracy, and the seconds fit took. */
export interface FashionMnistCnnResult {
  history: Record<string, number[]>;
  testLoss: number;
  testAccuracy: number;
  fitSeconds: number;
}

/** Trains the convnet with fit() and evaluates it on the 10000 test images. */
export function trainFashionMnistCnn({ epochs = 5, verbose = 'auto', trainSamples }: FashionMnistCnnOptions = {}):
  FashionMnistCnnResult {
  const { train, test } = kiln.datasets.fashionMnist.load();
  const n = trainSamples ?? train.x.shape[0];
  // Images as [n, 28, 28, 1] (channels last), scaled to [0, 1].
  const trainX = ops.reshape(ops.div(ops.slice(train.x, [0, 0, 0], [n, 28, 28]), 255), [n, 28, 28, 1]);
  const trainY = ops.slice(train.y, [0], [n]);
  const testX = ops.reshape(ops.div(test.x, 255), [test.x.shape[0], 28, 28, 1]);

  const model = new kiln.Sequential([
    new layers.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
    new layers.MaxPooling2D({ poolSize: 2 }),
    new layers.Flatten(),
    new layers.Dense({ units: 128, activation: 'relu' }),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  const history = model.fit(trainX, trainY, { epochs, batchSize: 128, verbose });
  const fitSeconds = (performance.now() - start) / 1000;
  const [testLoss, testAccuracy] = model.evaluate(testX, test.y, { batchSize: 128, verbose: 0 }) as number[];
  return { history: history.history, testLoss, testAccuracy, fitSeconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { testAccuracy, fitSeconds } = trainFashionMnistCnn();
  console.log(`test accuracy ${(testAccuracy * 100).toFixed(2)}% (fit took ${fitSeconds.toFixed(1)} s)`);
}
