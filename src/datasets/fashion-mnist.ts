// Fashion-MNIST (Xiao et al. 2017) from Debian's dataset-fashion-mnist package: 60000 train and 10000 test
// 28×28 grayscale images of 10 clothing classes, as gzip-compressed IDX files.
import { loadImageDataset, type ImageDataset } from './image-dataset.js';

/** Where Debian's dataset-fashion-mnist installs the files. */
export const DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of load(). */
export interface LoadOptions {
  /** The folder holding the four .gz files (default: Debian's). */
  dir?: string;
}

/**
 * Loads Fashion-MNIST (keras.datasets.fashion_mnist.load_data): x float32 [n, 28, 28] with pixel values 0–255,
 * y int32 [n] with labels 0–9. Throws a ValueError naming the Debian package when the files are missing.
 */
export function load({ dir = DEFAULT_DIR }: LoadOptions = {}): ImageDataset {
  return loadImageDataset({
    caller: 'fashionMnist.load',
    dir,
    files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz'],
    gzip: true,
    numClasses: 10,
    missingHint: 'install the Debian package dataset-fashion-mnist (apt install dataset-fashion-mnist)',
  });
}
