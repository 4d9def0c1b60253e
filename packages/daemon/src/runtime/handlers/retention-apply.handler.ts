import type { RetentionPolicy, RetentionReport, RetentionService, TaskHandler } from '@genesis/mind-core';

export const RETENTION_APPLY_TASK = 'retention.apply';

export interface RetentionHandlerDependencies {
  /** The service over the composition's stores and archive. */
  retention: () => RetentionService;
  /** The home's policy (`retention` of the configuration); each Mind's override is applied on top. */
  defaults: RetentionPolicy;
}

/** A report without its policy and file names: what a task result and a progress line need. */
export function retentionSummary(report: RetentionReport) {
  const { messages, concerns, tasks, concernFires, scheduleFires, dryRun, tookMs, mindId } = report;
  return {
    mindId,
    dryRun,
    messages: {
      removed: messages.removed,
      archived: messages.archived,
      recovered: messages.recovered,
      files: messages.files.length,
    },
    concerns,
    tasks,
    concernFires,
    scheduleFires,
    tookMs,
  };
}

/**
 * `retention.apply`: applies the Mind's policy (the home's defaults with the Mind's override) in
 * small batches, archiving messages first; then the home's own rows (the daemon's schedule fires).
 * Payload `{ "dryRun": true }` only counts. Stops between batches when the daemon stops (a rerun
 * goes on where it stopped; archived batches are never written twice).
 */
export function createRetentionApplyHandler(deps: RetentionHandlerDependencies): TaskHandler {
  return async ({ task, mind, signal, progress }) => {
    const payload = (task.payload ?? {}) as { dryRun?: unknown };
    const dryRun = payload.dryRun === true;
    const service = deps.retention();
    let reported = 0;
    const report = await service.apply(mind.gmid, mind.retention.effective(deps.defaults), {
      dryRun,
      signal,
      onProgress: (r) => {
        if (Date.now() - reported < 1000) return;
        reported = Date.now();
        void progress(retentionSummary(r));
      },
    });
    const home = await service.applyHome(deps.defaults, { dryRun, signal });
    return { ...retentionSummary(report), daemonScheduleFires: home.scheduleFires };
  };
}
