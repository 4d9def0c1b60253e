import { Writable } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';
import { GenesisError, MIND_EXPORT_TYPES, type MindExportSummary, type MindImportReport } from '@genesis/mind-core';
import type { Io } from '../io';
import type { CommandContext } from '../program';
import { createdMindView, deletedMindView, mindListView, mindView, type View } from '../views';

interface ExportOptions {
  out?: string;
  includeSecrets?: boolean;
}

interface ImportOptions {
  batchSize?: string;
}

interface CreateOptions {
  name: string;
  creator?: string;
  creatorEmail?: string;
  purpose?: string;
  template?: string;
}

export function registerMindCommands({ program, io, withGenesis, print, mindCommand }: CommandContext): void {
  const mind = program.command('mind').description('create, list, show and delete Minds');

  mind
    .command('create')
    .description('create a new Mind')
    .requiredOption('--name <name>', 'its name')
    .option('--creator <name>', 'who created it')
    .option('--creator-email <email>', "its creator's email")
    .option('--purpose <text>', 'its primary purpose')
    .option('--template <name>', 'the template it was made from')
    .action(async (opts: CreateOptions) =>
      withGenesis(async (genesis) => {
        const created = await genesis.createMind({
          name: opts.name,
          creator: opts.creator ?? null,
          creatorEmail: opts.creatorEmail ?? null,
          primaryPurpose: opts.purpose ?? null,
          template: opts.template ?? null,
        });
        print(createdMindView(created));
      }),
    );

  mind
    .command('list')
    .description('list registered Minds')
    .action(async () => withGenesis(async (genesis) => print(mindListView(await genesis.listMinds()))));

  mindCommand(mind, 'show', "show a Mind's JSON document").action(async (gmid: string) =>
    withGenesis(async (genesis) => print(mindView(await genesis.loadMind(gmid)))),
  );

  mindCommand(
    mind,
    'delete',
    'delete a Mind: its SQL rows, JSON file and secrets (backups of old files are kept)',
  ).action(async (gmid: string) =>
    withGenesis(async (genesis) => print(deletedMindView(await genesis.deleteMind(gmid)))),
  );

  mindCommand(
    mind,
    'export',
    "write a Mind's portable document (JSON Lines): identity, messages, concerns, tasks, schedules, records, people, places and memories",
  )
    .option('--out <file>', 'write it to this file (mode 0600) instead of stdout')
    .option('--include-secrets', "also export the Mind's secrets (API keys): keep such a file private")
    .action(async (gmid: string, opts: ExportOptions) =>
      withGenesis(async (genesis) => {
        if (opts.out !== undefined) {
          const summary = await genesis.exportMind(
            gmid,
            { file: opts.out },
            { includeSecrets: opts.includeSecrets === true },
          );
          print(exportView(summary));
          return;
        }
        // stdout carries the document itself; the summary goes to stderr.
        const stdout = lineStream(io);
        const summary = await genesis.exportMind(
          gmid,
          { stream: stdout },
          { includeSecrets: opts.includeSecrets === true },
        );
        stdout.flushRest();
        io.err(exportView(summary).text);
      }),
    );

  mind
    .command('import')
    .description(
      'import a Mind from its portable document (from `genesis mind export`); running it again changes nothing',
    )
    .argument('<file>', 'the export file')
    .option('--batch-size <n>', 'lines committed per transaction', '500')
    .action(async (file: string, opts: ImportOptions) =>
      withGenesis(async (genesis) => {
        const batchSize = Number(opts.batchSize);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
          throw new GenesisError(
            'INVALID_INPUT',
            `--batch-size must be an integer from 1 to 10000, got ${JSON.stringify(opts.batchSize)}`,
            {
              field: '--batch-size',
            },
          );
        const bar = new SingleBar(
          { format: 'import {bar} {value}/{total} items', stream: io.progress, hideCursor: true },
          Presets.shades_classic,
        );
        let begun = false;
        let report: MindImportReport;
        try {
          report = await genesis.importMind(file, {
            batchSize,
            onProgress: (done, total) => {
              if (begun) return bar.update(done);
              bar.start(total, done);
              begun = true;
            },
          });
        } finally {
          if (begun) bar.stop();
        }
        print(importView(report));
      }),
    );
}

/** stdout as a stream of lines: each complete line printed as it comes (the document is never held whole). */
function lineStream(io: Io): Writable & { flushRest(): void } {
  let rest = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) io.out(line);
      done();
    },
  });
  return Object.assign(stream, {
    flushRest() {
      if (rest !== '') io.out(rest);
      rest = '';
    },
  });
}

const countsText = (counts: Record<string, number>) =>
  MIND_EXPORT_TYPES.filter((t) => (counts[t] ?? 0) > 0)
    .map((t) => `${counts[t]} ${t}`)
    .join(', ');

function exportView(summary: MindExportSummary): View {
  return {
    json: summary,
    text:
      `Exported ${summary.gmid}${summary.file ? ` to ${summary.file}` : ''} (${summary.bytes} bytes): ${countsText(summary.counts)}` +
      (summary.secrets
        ? "\nIt holds the Mind's secrets: keep it private."
        : '\nSecrets were not exported (--include-secrets exports them).'),
  };
}

function importView(report: MindImportReport): View {
  const inserted = Object.fromEntries(MIND_EXPORT_TYPES.map((t) => [t, report.items[t].inserted]));
  const skipped = Object.fromEntries(MIND_EXPORT_TYPES.map((t) => [t, report.items[t].skipped]));
  const added = countsText(inserted);
  const there = countsText(skipped);
  return {
    json: report,
    text: [
      `Imported ${report.gmid} from ${report.file}: its document ${report.document === 'written' ? 'written' : 'kept (this home had one)'}.`,
      `Added: ${added || 'nothing'}.`,
      `Already there: ${there || 'nothing'}.`,
    ].join('\n'),
  };
}
