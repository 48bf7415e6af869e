// "Really seen": the target at least half inside the viewport, in a visible tab, for a continuous
// second. Without a target (an open modal dialog, or an experiment's control that shows nothing)
// only the tab's visibility counts. Calls `done` once; the returned function stops watching.
import type { Cancel } from './types';

export const SEEN_MS = 1000;

export function whenSeen(target: Element | null, done: () => void): Cancel {
  let inView = target === null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    clearTimeout(timer);
    timer = inView && document.visibilityState === 'visible' ? setTimeout(finish, SEEN_MS) : undefined;
  };
  const io = target && new IntersectionObserver((entries) => {
    for (const e of entries) inView = e.isIntersecting && e.intersectionRatio >= 0.5;
    check();
  }, { threshold: [0, 0.5, 1] });
  const stop = (): void => {
    clearTimeout(timer);
    io?.disconnect();
    document.removeEventListener('visibilitychange', check);
  };
  const finish = (): void => {
    stop();
    done();
  };
  if (io && target) io.observe(target);
  document.addEventListener('visibilitychange', check);
  check();
  return stop;
}
