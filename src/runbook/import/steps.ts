/**
 * Blocks to steps: a code block gives one step per command, a list gives one step per item (its bold
 * label or "Si …:" opening becomes the step's condition), and a sentence holding an inline command
 * (`grep "sendgrid" logs.txt`) gives that command. Each step is classified by kind and risk.
 */
import type { Step } from '../schema.ts';
import { classifyStep } from './classify.ts';
import { type Chunk, conditionOf, splitCode } from './code.ts';
import type { Block, ListItem } from './markdown.ts';
import { labelOf, trimEndOf } from './outline.ts';

/** COMMAND_WORDS are the programs whose name, opening an inline code span, makes it a command. */
const COMMAND_WORDS = new Set(
  (
    'curl wget http psql pg_dump pg_restore pg_isready redis-cli docker docker-compose kubectl helm systemctl ' +
    'service journalctl celery rq grep egrep tail head cat less ls find rm du df free uptime top htop iostat vmstat ' +
    'ss netstat ping dig nslookup host traceroute openssl certbot nginx git make uv poetry pip python python3 node ' +
    'npm npx yarn pnpm flyctl fly heroku render ssh scp rsync mc aws gcloud az sudo kill pkill alembic sqlite3 ' +
    'mysql mongosh mongo redis-server crontab ufw iptables sed awk jq tar gzip zcat apt apt-get'
  ).split(' '),
);

/** Context is what a step inherits from where it stands. */
export interface StepContext {
  /** Condition of the enclosing list item or comment group. */
  readonly when?: string;
}

// `cd /srv/app` alone on the first line (or before `&&`), to a plain path: where the rest runs.
const LEADING_CD = /^cd\s+(\/[\w.\-/]*)\s*(?:\n|&&\s*)/;

/**
 * workdirOf reads a leading `cd DIR` of a shell or docker step as its working directory, so the step
 * says where it runs and its command is the command; undefined when the step does not start so.
 */
export function workdirOf(run: string): { workdir: string; run: string } | undefined {
  const found = LEADING_CD.exec(run);
  const rest = found ? run.slice(found[0].length).trim() : '';
  if (!found || rest === '') return undefined;
  return { workdir: found[1]!, run: rest };
}

/** toStep makes a model step from a code chunk, classifying it. */
export function toStep(chunk: Chunk, context: StepContext = {}): Step {
  const { kind, risk } = classifyStep(chunk.run, { lang: chunk.lang });
  const when = chunk.when ?? context.when;
  const kindOf = chunk.prose ? 'manual' : kind;
  const moved = kindOf === 'shell' || kindOf === 'docker' ? workdirOf(chunk.run) : undefined;
  return {
    run: moved?.run ?? chunk.run,
    ...(moved ? { workdir: moved.workdir } : {}),
    kind: kindOf,
    risk,
    ...(chunk.description ? { description: chunk.description } : {}),
    ...(when ? { when } : {}),
    ...(chunk.expect ? { expect: chunk.expect } : {}),
    source: { line: chunk.line },
  };
}

/** inlineCommand finds a command in a sentence's code spans (`grep "x" logs.txt`), or undefined. */
export function inlineCommand(raw: string): string | undefined {
  for (const match of raw.matchAll(/`([^`]+)`/g)) {
    const code = match[1]!.trim();
    const word = code.split(/\s+/)[0]!.replace(/^sudo$/, code.split(/\s+/)[1] ?? '');
    if (COMMAND_WORDS.has(word) && /\s/.test(code)) return code;
  }
  return undefined;
}

/** stepFromText makes a step from one sentence: its inline command if it has one, else a manual step. */
export function stepFromText(
  raw: string,
  text: string,
  line: number,
  context: StepContext = {},
): Step | undefined {
  if (!text.trim()) return undefined;
  const command = inlineCommand(raw);
  const description = command ? trimEndOf(text.replace(command, ''), ':–—-').trim() : undefined;
  return toStep(
    {
      run: command ?? text,
      line,
      lang: '',
      ...(command ? {} : { prose: true }),
      ...(description ? { description } : {}),
    },
    context,
  );
}

/** stepsOfItem reads one list item: its opening sets the condition, its text and nested blocks are steps. */
function stepsOfItem(item: ListItem, context: StepContext): Step[] {
  const label = labelOf(item.raw);
  let when = context.when;
  let raw = item.raw;
  let text = item.text;
  if (label) {
    when = conditionOf(`${label.label}:`) ?? label.label;
    raw = label.restRaw;
    text = label.rest;
  } else {
    // "Si crash → Redémarrer service": the condition ends at the arrow or colon.
    const split = /^(.*?)\s*(?:→|->|=>|:)\s+(.+)$/s.exec(item.text);
    const condition = split ? conditionOf(`${split[1]}:`) : undefined;
    if (split && condition) {
      when = condition;
      text = split[2]!;
      raw = raw.slice(Math.max(0, raw.length - text.length));
    }
  }
  const own = stepFromText(raw, text, item.line, when ? { when } : {});
  return [
    ...(own ? [own] : []),
    ...item.blocks.flatMap((block) => stepsOfBlock(block, when ? { when } : {})),
  ];
}

/** stepsOfBlock reads any block as steps. */
export function stepsOfBlock(block: Block, context: StepContext = {}): Step[] {
  switch (block.type) {
    case 'code':
      return splitCode(block.text, block.lang, block.line).map((chunk) => toStep(chunk, context));
    case 'list':
      return block.items.flatMap((item) => stepsOfItem(item, context));
    case 'paragraph': {
      const step = stepFromText(block.raw, block.text, block.line, context);
      return step ? [step] : [];
    }
    case 'table':
      return [];
  }
}

/** numberSteps gives each step an id (`prefix-1`, `prefix-2`, …) unless it has one. */
export function numberSteps(steps: Step[], prefix: string): Step[] {
  return steps.map((step, index) => (step.id ? step : { id: `${prefix}-${index + 1}`, ...step }));
}
