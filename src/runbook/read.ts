/**
 * Reading a runbook file of either form: YAML (`vigie.yaml`, the canonical form) or a prose
 * Markdown runbook through the importer. The CLI's `lint` and `show` accept both.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { VigieError } from '../errors.ts';
import { importMarkdown, MAX_IMPORT_BYTES } from './import/index.ts';
import { formatLoadErrors, type LoadError, loadRunbook } from './load.ts';
import type { Path } from './paths.ts';
import type { RunbookConfig } from './schema.ts';

/** RunbookFile is a runbook read from disk, with how to find a model path's line in the file. */
export interface RunbookFile {
  readonly file: string;
  readonly format: 'yaml' | 'markdown';
  readonly runbook: RunbookConfig;
  /** Line of a model path in a YAML file; Markdown imports carry `source.line` on items instead. */
  readonly locate?: (path: Path) => number | undefined;
  readonly notes: string[];
  /** The imported document's text (Markdown only), for checks that read the prose itself. */
  readonly text?: string;
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** InvalidRunbook is thrown for a YAML runbook with errors; it carries every one of them. */
export class InvalidRunbook extends VigieError {
  readonly errors: readonly LoadError[];
  constructor(file: string, errors: readonly LoadError[]) {
    super(
      'RUNBOOK_INVALID',
      `${file} is not a valid runbook (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${formatLoadErrors(file, errors)}`,
      'fix each place listed above; `schema/runbook.schema.json` documents every field',
    );
    this.errors = errors;
  }
}

/** readRunbookFile reads a YAML runbook or imports a Markdown one, by the file's extension. */
export async function readRunbookFile(file: string): Promise<RunbookFile> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new VigieError(
      'FILE_NOT_FOUND',
      `${file}: cannot read this file (${(error as Error).message})`,
      'check the path',
      {
        cause: error,
      },
    );
  }
  if (size > MAX_IMPORT_BYTES) {
    throw new VigieError(
      'RUNBOOK_TOO_LARGE',
      `${file}: ${size} bytes is more than the ${MAX_IMPORT_BYTES} bytes a runbook may have`,
      'split the runbook into smaller files',
    );
  }
  const bytes = await readFile(file);
  if (YAML_EXTENSIONS.has(extname(file).toLowerCase())) {
    const loaded = loadRunbook(bytes.toString('utf8'));
    if (!loaded.ok) throw new InvalidRunbook(file, loaded.errors);
    return { file, format: 'yaml', runbook: loaded.runbook, locate: loaded.locate, notes: [] };
  }
  const imported = importMarkdown(bytes, { file });
  return { file, format: 'markdown', runbook: imported.runbook, notes: imported.notes, text: imported.text };
}
