// Indexing and movement ops beyond reshape/transpose/broadcast: slicing, joining, padding, tiling, gathering,
// scans, one-hot and clipping.
export { slice, stridedSlice, reverse, type StridedSliceOptions } from './slice.js';
export { concat, stack, split, unstack } from './concat.js';
export { pad } from './pad.js';
export { tile } from './tile.js';
export { gather, unsortedSegmentSum } from './gather.js';
export { cumsum, cumprod, type ScanOptions } from './cumsum.js';
export { oneHot, type OneHotOptions } from './one-hot.js';
export { clip } from './clip.js';
