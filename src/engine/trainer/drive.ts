// The loops of fit / evaluate / predict are written once, as generators that yield the iterator they need the next
// batch from. A sync driver answers with iterator.next(); an async driver awaits it. So one loop serves arrays,
// iterables and async iterables, and fit stays synchronous unless its data is async.
import { ValueError } from '../../core/errors.js';

/** An iterator a loop pulls from. */
export type Pull = Iterator<unknown> | AsyncIterator<unknown>;

/** A loop: yields what it pulls from, receives the pulled result, returns its result. */
export type Loop<R> = Generator<Pull, R, IteratorResult<unknown>>;

/** Runs `loop` synchronously; its iterators must be synchronous. */
export function runSync<R>(op: string, loop: Loop<R>): R {
  let step = loop.next();
  while (!step.done) {
    const pulled = step.value.next();
    if (pulled instanceof Promise)
      throw new ValueError(`${op}: got an async iterator where a synchronous one was expected`);
    step = loop.next(pulled);
  }
  return step.value;
}

/** Runs `loop`, awaiting each pull. */
export async function runAsync<R>(loop: Loop<R>): Promise<R> {
  let step = loop.next();
  while (!step.done) step = loop.next(await step.value.next());
  return step.value;
}
