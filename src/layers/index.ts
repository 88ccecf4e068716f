// kiln.layers: the built-in layers (each registers itself for deserialization) and the base class.
export { Layer, type LayerOptions, type CallArgs } from '../engine/layer.js';
export { InputSpec } from '../engine/input-spec.js';
export { Dense, type DenseOptions } from './dense.js';
export { Activation, type ActivationOptions } from './activation.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Flatten, type FlattenOptions, type DataFormat } from './flatten.js';
export { Reshape, type ReshapeOptions } from './reshape.js';
export { BaseRNN, type RecurrentApplyOptions, type RecurrentOptions, type RecurrentOutput, type CellWeights } from './rnn-common.js';
export { SimpleRNN, type SimpleRNNOptions } from './simple-rnn.js';
export { LSTM, type LSTMOptions } from './lstm.js';
export { GRU, type GRUOptions } from './gru.js';
export { BaseConv, type BaseConvOptions, type ConvPadding } from './base-conv.js';
export { Conv1D, type Conv1DOptions } from './conv1d.js';
export { Conv2D, type Conv2DOptions } from './conv2d.js';
export { Conv2DTranspose, type Conv2DTransposeOptions } from './conv2d-transpose.js';
export { MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, type PoolingOptions } from './pooling.js';
export {
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, type GlobalPoolingOptions,
} from './global-pooling.js';
export { ZeroPadding2D, type ZeroPadding2DOptions } from './zero-padding2d.js';
export { UpSampling2D, type UpSampling2DOptions } from './up-sampling2d.js';
export { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization.js';
export { LayerNormalization, type LayerNormalizationOptions } from './layer-normalization.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Masking, type MaskingOptions } from './masking.js';
export {
  Lambda, enableUnsafeDeserialization, type LambdaOptions, type LambdaFunction, type LambdaMaskFunction,
  type LambdaArgs,
} from './lambda.js';
export { Merge, Add, Subtract, Multiply, Average, Maximum, type MergeOptions } from './merge.js';
export { Concatenate, type ConcatenateOptions } from './concatenate.js';
export { Dot, type DotOptions } from './dot.js';
export { Permute, type PermuteOptions } from './permute.js';
export { RepeatVector, type RepeatVectorOptions } from './repeat-vector.js';
export { Bidirectional, type BidirectionalOptions, type MergeMode } from './bidirectional.js';
export { TimeDistributed, type TimeDistributedOptions } from './time-distributed.js';
export { MultiHeadAttention, type MultiHeadAttentionOptions, type AttendOptions } from './multi-head-attention.js';
