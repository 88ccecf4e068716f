// kiln.datasets: real data sets, loaded the way keras.datasets loads them.
export * as fashionMnist from './fashion-mnist.js';
export * as mnist from './mnist.js';
export type { ImageDataset, Split } from './image-dataset.js';
