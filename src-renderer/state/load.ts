import { useEffect, useRef, type DependencyList } from 'react';
import { handleSessionError } from './actions';

/**
 * Starts `load` and hands its result to `onData`, or its error to `onFailure`, unless the returned
 * cancel ran first (the screen went away or asked again; a late answer must not overwrite a newer
 * one). An ended session is not a failure of the screen: it goes to the session handler, which
 * shows the sign-in screen.
 */
export function loadWhileLive<T>(load: () => Promise<T>, onData: (data: T) => void, onFailure: (err: unknown) => void): () => void {
  let live = true;
  load().then(
    (data) => {
      if (live) onData(data);
    },
    (err: unknown) => {
      if (live && !handleSessionError(err)) onFailure(err);
    },
  );
  return () => {
    live = false;
  };
}

/**
 * `loadWhileLive` as an effect: runs on mount and whenever `deps` change (a screen's "reload"
 * counter among them). The callbacks are read when the answer comes, so they may close over the
 * latest render without being dependencies.
 */
export function useLoad<T>(load: () => Promise<T>, onData: (data: T) => void, onFailure: (err: unknown) => void, deps: DependencyList): void {
  const callbacks = useRef({ load, onData, onFailure });
  callbacks.current = { load, onData, onFailure };
  useEffect(
    () =>
      loadWhileLive(
        () => callbacks.current.load(),
        (d) => callbacks.current.onData(d),
        (e) => callbacks.current.onFailure(e),
      ),
    // The caller's dependencies are the trigger; the callbacks are read through the ref.
    deps,
  );
}
