// Loading an (images, labels) pair of IDX files for the train and test splits of an MNIST-like data set.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { parseIdx } from './idx.js';

/** One split: images x, float32 [n, rows, cols] with the raw pixel values 0–255, and labels y, int32 [n]. */
export interface Split {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** A data set's train and test splits (Keras `load_data()`'s ((x_train, y_train), (x_test, y_test))). */
export interface ImageDataset {
  readonly train: Split;
  readonly test: Split;
}

/** Where an MNIST-like data set lies and how it is named in errors. */
export interface ImageDatasetSource {
  /** The caller, for errors ("fashionMnist.load"). */
  readonly caller: string;
  readonly dir: string;
  /** File names: [trainImages, trainLabels, testImages, testLabels]. */
  readonly files: readonly [string, string, string, string];
  readonly gzip: boolean;
  readonly numClasses: number;
  /** What to tell the user when the files are missing (which package to install). */
  readonly missingHint: string;
}

function readIdx(src: ImageDatasetSource, file: string, rank: number) {
  const path = join(src.dir, file);
  let bytes: Uint8Array = readFileSync(path);
  if (src.gzip) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new ValueError(`${src.caller}: ${path} is not a valid gzip file (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, `${src.caller}: ${path}`, rank);
}

function loadSplit(src: ImageDatasetSource, imagesFile: string, labelsFile: string): Split {
  const images = readIdx(src, imagesFile, 3);
  const labels = readIdx(src, labelsFile, 1);
  const n = images.shape[0];
  if (labels.shape[0] !== n)
    throw new ValueError(`${src.caller}: ${imagesFile} holds ${n} images but ${labelsFile} holds ` +
      `${labels.shape[0]} labels`);
  const bad = labels.data.findIndex((l) => l >= src.numClasses);
  if (bad >= 0)
    throw new ValueError(`${src.caller}: ${labelsFile}: label ${bad} is ${labels.data[bad]}, expected 0 to ` +
      `${src.numClasses - 1}`);
  return { x: tensor(images.data, images.shape, 'float32'), y: tensor(labels.data, [n], 'int32') };
}

/** Reads and checks the four IDX files of an MNIST-like data set. */
export function loadImageDataset(src: ImageDatasetSource): ImageDataset {
  const missing = src.files.filter((f) => !existsSync(join(src.dir, f)));
  if (missing.length > 0)
    throw new ValueError(`${src.caller}: missing ${missing.join(', ')} in ${src.dir}; ${src.missingHint}`);
  const [trainImages, trainLabels, testImages, testLabels] = src.files;
  return { train: loadSplit(src, trainImages, trainLabels), test: loadSplit(src, testImages, testLabels) };
}
