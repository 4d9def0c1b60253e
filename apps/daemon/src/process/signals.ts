/**
 * Calls `handler` on SIGTERM and SIGINT with how many have come so far (1: stop gracefully, 2: stop
 * now). A third signal exits at once with code 130. Returns the removal of the listeners.
 */
export function onShutdownSignal(handler: (signal: string, count: number) => void): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals) => {
    count++;
    if (count >= 3) process.exit(130);
    handler(signal, count);
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  return () => {
    process.off('SIGTERM', listener);
    process.off('SIGINT', listener);
  };
}
