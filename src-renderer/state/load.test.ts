import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/core';
import { loadWhileLive } from './load';
import { useApp } from './store';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('loadWhileLive', () => {
  it('hands the answer to onData', async () => {
    const got: number[] = [];
    loadWhileLive(
      () => Promise.resolve(7),
      (d) => got.push(d),
      () => got.push(-1),
    );
    await settle();
    expect(got).toEqual([7]);
  });

  it('drops an answer that arrives after cancel, so an older request cannot overwrite a newer one', async () => {
    const got: string[] = [];
    let answerOld!: (v: string) => void;
    const cancelOld = loadWhileLive(
      () => new Promise<string>((r) => (answerOld = r)),
      (d) => got.push(d),
      () => got.push('failure'),
    );
    cancelOld();
    loadWhileLive(
      () => Promise.resolve('new'),
      (d) => got.push(d),
      () => got.push('failure'),
    );
    answerOld('old');
    await settle();
    expect(got).toEqual(['new']);
  });

  it('drops a failure after cancel', async () => {
    const failures: unknown[] = [];
    const cancel = loadWhileLive(
      () => Promise.reject(new ApiError('E_INTERNAL', 'boom')),
      () => undefined,
      (e) => failures.push(e),
    );
    cancel();
    await settle();
    expect(failures).toEqual([]);
  });

  it('gives a screen its failure, but an ended session goes to the sign-in screen instead', async () => {
    const failures: unknown[] = [];
    const other = new ApiError('E_NOT_FOUND', 'gone');
    loadWhileLive(
      () => Promise.reject(other),
      () => undefined,
      (e) => failures.push(e),
    );
    await settle();
    expect(failures).toEqual([other]);

    const marked: string[] = [];
    const original = useApp.getState().markLocked;
    useApp.setState({ status: { unlocked: true } as never, markLocked: (reason: string) => void marked.push(reason) } as never);
    try {
      loadWhileLive(
        () => Promise.reject(new ApiError('E_VAULT_LOCKED', 'locked')),
        () => undefined,
        (e) => failures.push(e),
      );
      await settle();
    } finally {
      useApp.setState({ markLocked: original, status: null } as never);
    }
    expect(failures).toEqual([other]);
    expect(marked).toEqual(['session']);
  });
});
