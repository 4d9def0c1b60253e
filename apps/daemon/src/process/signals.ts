/** Calls `handler` once on the first SIGTERM or SIGINT; a second signal exits at once (code 130). */
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const listener = (signal: NodeJS.Signals) => {
    if (received) {
      process.exit(130);
    }
    received = true;
    handler(signal);
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
  return () => {
    process.off('SIGTERM', listener);
    process.off('SIGINT', listener);
  };
}
