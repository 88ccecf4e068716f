// keras.callbacks: the Callback base class, the list that runs them, and the built-in callbacks.
export { Callback, type Logs, type CallbackParams } from './callback.js';
export { CallbackList, type CallbackListOptions } from './callback-list.js';
export { History } from './history.js';
export { ProgbarLogger, type ProgbarLoggerOptions } from './progbar-logger.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { BackupAndRestore, type BackupAndRestoreOptions } from './backup-and-restore.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { LearningRateScheduler, type LearningRateSchedulerFn } from './learning-rate-scheduler.js';
export { CSVLogger, type CSVLoggerOptions } from './csv-logger.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
export { LambdaCallback, type LambdaCallbackOptions } from './lambda-callback.js';
