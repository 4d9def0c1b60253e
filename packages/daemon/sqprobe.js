const { openSqlStorage, RetentionRepository } = require('@genesis/storage-sqlite');
const { FileMessageArchive } = require('@genesis/mind-core');
const { mkdtempSync } = require('fs'); const { join } = require('path'); const os = require('os');
const { monitorEventLoopDelay } = require('perf_hooks');
(async () => {
  const home = mkdtempSync(join(os.tmpdir(), 'sqprobe-'));
  const s = await openSqlStorage({ url: join(home, 'g.db') });
  const mind = 'GMD-2026-AAAA-0001';
  for (let i = 0; i < 200000; i += 10000)
    await s.messages.appendMany(Array.from({ length: 10000 }, (_, j) => ({ mindId: mind, role: 'user', userEmail: 'a@b.io', content: 'message the quick brown fox ' + (i + j), createdAt: i + j })));
  const r = new RetentionRepository(s.db);
  const a = new FileMessageArchive(home);
  const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();
  let t = performance.now(); const kept = await r.newestKept(mind, 20000); console.log('newestKept', (performance.now() - t).toFixed(1));
  let after = null; const reads = [], dels = [], writes = [];
  for (let k = 0; k < 40; k++) {
    t = performance.now(); const rows = await r.oldestMessages(mind, { until: kept, after }, 500); reads.push(performance.now() - t);
    if (k % 20 === 0) { t = performance.now(); await a.write(mind, rows); writes.push(performance.now() - t); }
    t = performance.now(); await r.deleteMessages(mind, rows.map((m) => m.id)); dels.push(performance.now() - t);
    after = { createdAt: rows[rows.length - 1].createdAt, id: rows[rows.length - 1].id };
  }
  const st = (x) => { x.sort((p, q) => p - q); return `p50 ${x[x.length >> 1].toFixed(1)} max ${x[x.length - 1].toFixed(1)}`; };
  console.log('read', st(reads), '| delete', st(dels), '| archive write', st(writes), '| loop max', (h.max / 1e6).toFixed(1));
  await s.close();
})();
