// keras.callbacks: the Callback base class, the list that runs them, and the built-in callbacks.
export { Callback, type Logs, type CallbackParams } from './callback.js';
export { CallbackList, type CallbackListOptions } from './callback-list.js';
export { History } from './history.js';
export { ProgbarLogger, type ProgbarLoggerOptions } from './progbar-logger.js';
