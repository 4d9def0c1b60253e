import { rmSync } from 'node:fs';
import { openGloveCache } from '../embeddings/glove-cache';
jest.setTimeout(300_000);
test('time', async () => {
  rmSync('/tmp/helperA/jt', { recursive: true, force: true });
  const t0 = Date.now();
  const marks: string[] = [];
  const logger: any = { info: (o: any, m: string) => marks.push(`${Date.now() - t0} ${m} ${JSON.stringify(o)}`), warn() {}, debug() {}, error() {}, child: () => logger };
  const cpu0 = process.cpuUsage();
  await openGloveCache({ cacheDir: '/tmp/helperA/jt', providerVersion: 'x', sifA: 3e-4, logger });
  const cpu = process.cpuUsage(cpu0);
  console.log(marks.join('\n'), '\ntotal', Date.now() - t0, 'cpu', (cpu.user + cpu.system) / 1000);
});
