/**
 * Markdown to an outline: sections (by heading) holding blocks (paragraphs, lists, code, tables),
 * every piece with its 1-based source line. markdown-it does the parsing; this file only reshapes
 * its token stream into the tree the importer walks.
 */
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';

/** Paragraph is a run of text; `raw` keeps the Markdown (bold, code spans), `text` is plain. */
export interface Paragraph {
  readonly type: 'paragraph';
  readonly raw: string;
  readonly text: string;
  readonly line: number;
}

/** ListItem is one item of a list; `checked` is set on task items (`- [ ]`, `- [x]`). */
export interface ListItem {
  readonly raw: string;
  readonly text: string;
  readonly line: number;
  readonly checked?: boolean;
  /** Blocks after the item's first paragraph: more text, code, nested lists. */
  readonly blocks: Block[];
}

/** List is an ordered or bulleted list. */
export interface List {
  readonly type: 'list';
  readonly ordered: boolean;
  readonly items: ListItem[];
  readonly line: number;
}

/** Code is a fenced or indented code block; `line` is the line of its first content line. */
export interface Code {
  readonly type: 'code';
  readonly lang: string;
  readonly text: string;
  readonly line: number;
}

/** Table is a GFM table with plain-text cells. */
export interface Table {
  readonly type: 'table';
  readonly header: string[];
  readonly rows: string[][];
  readonly rowLines: number[];
  readonly line: number;
}

/** Block is any content under a heading. */
export type Block = Paragraph | List | Code | Table;

/** Section is a heading with its blocks and sub-sections. The document itself is a level-0 section. */
export interface Section {
  readonly title: string;
  readonly level: number;
  readonly line: number;
  readonly blocks: Block[];
  readonly children: Section[];
}

const parser = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
// Only block structure is read; inline text is kept raw and simplified by plainText, which spares
// markdown-it's inline pass (emphasis pairing and the rest) on every paragraph.
parser.core.ruler.disable(['inline', 'text_join']);

/** plainText strips inline Markdown (emphasis, code spans, links) from a raw inline string. */
export function plainText(raw: string): string {
  return raw
    .replace(/!?\[([^\][]*)\]\([^()\s]*\)/g, '$1')
    .replace(/\*\*([^*]*)\*\*|__([^_]*)__/g, '$1$2')
    .replace(/(^|\W)[*_]([^*_\s][^*_]*)[*_](?=\W|$)/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** parseMarkdown turns a document into its section tree; `lineOffset` shifts lines (front matter). */
export function parseMarkdown(source: string, lineOffset = 0): Section {
  const tokens = parser.parse(source, {});
  const root: Section = { title: '', level: 0, line: 1, blocks: [], children: [] };
  const stack: Section[] = [root];
  const lineOf = (token: Token): number => (token.map ? token.map[0] + 1 + lineOffset : lineOffset + 1);
  let index = 0;

  // Reads the blocks until `closeType` (exclusive) at the current nesting; returns them.
  const readBlocks = (closeType: string | undefined): Block[] => {
    const blocks: Block[] = [];
    while (index < tokens.length) {
      const token = tokens[index]!;
      if (closeType !== undefined && token.type === closeType) return blocks;
      if (token.type === 'heading_open') {
        if (closeType !== undefined) {
          index++;
          continue;
        }
        return blocks;
      }
      const block = readBlock();
      if (block) blocks.push(block);
    }
    return blocks;
  };

  const readBlock = (): Block | undefined => {
    const token = tokens[index]!;
    switch (token.type) {
      case 'paragraph_open': {
        const inline = tokens[index + 1]!;
        index += 3;
        return {
          type: 'paragraph',
          raw: inline.content,
          text: plainText(inline.content),
          line: lineOf(token),
        };
      }
      case 'fence':
      case 'code_block':
        index++;
        return {
          type: 'code',
          lang: token.info.trim().split(/\s+/)[0]?.toLowerCase() ?? '',
          text: token.content,
          line: lineOf(token) + (token.type === 'fence' ? 1 : 0),
        };
      case 'bullet_list_open':
      case 'ordered_list_open':
        return readList(token);
      case 'table_open':
        return readTable(token);
      case 'blockquote_open': {
        index++;
        const inner = readBlocks('blockquote_close');
        index++;
        // A quote's content counts as if it stood in the section itself.
        return inner.length === 1 ? inner[0] : mergeQuote(inner);
      }
      default:
        index++;
        return undefined;
    }
  };

  // Nested quotes rarely matter; keep their first paragraph-like content as one paragraph.
  const mergeQuote = (inner: Block[]): Block | undefined => {
    const paragraphs = inner.filter((block): block is Paragraph => block.type === 'paragraph');
    if (paragraphs.length === 0) return inner[0];
    return {
      type: 'paragraph',
      raw: paragraphs.map((p) => p.raw).join('\n'),
      text: paragraphs.map((p) => p.text).join(' '),
      line: paragraphs[0]!.line,
    };
  };

  const readList = (open: Token): List => {
    const closeType = open.type === 'bullet_list_open' ? 'bullet_list_close' : 'ordered_list_close';
    const items: ListItem[] = [];
    index++;
    while (index < tokens.length && tokens[index]!.type !== closeType) {
      const itemOpen = tokens[index]!;
      if (itemOpen.type !== 'list_item_open') {
        index++;
        continue;
      }
      index++;
      const blocks = readBlocks('list_item_close');
      index++;
      const first = blocks[0]?.type === 'paragraph' ? (blocks.shift() as Paragraph) : undefined;
      let raw = first?.raw ?? '';
      let checked: boolean | undefined;
      const task = /^\[([ xX])\]\s+/.exec(raw);
      if (task) {
        checked = task[1] !== ' ';
        raw = raw.slice(task[0].length);
      }
      items.push({ raw, text: plainText(raw), line: lineOf(itemOpen), blocks, ...(task ? { checked } : {}) });
    }
    index++;
    return { type: 'list', ordered: open.type === 'ordered_list_open', items, line: lineOf(open) };
  };

  const readTable = (open: Token): Table => {
    const header: string[] = [];
    const rows: string[][] = [];
    const rowLines: number[] = [];
    let row: string[] | undefined;
    let inHead = false;
    index++;
    while (index < tokens.length && tokens[index]!.type !== 'table_close') {
      const token = tokens[index]!;
      if (token.type === 'thead_open') inHead = true;
      else if (token.type === 'thead_close') inHead = false;
      else if (token.type === 'tr_open') {
        row = inHead ? header : [];
        if (!inHead) rowLines.push(lineOf(token));
      } else if (token.type === 'tr_close' && row && !inHead) rows.push(row);
      else if (token.type === 'inline' && row) row.push(plainText(token.content));
      index++;
    }
    index++;
    return { type: 'table', header, rows, rowLines, line: lineOf(open) };
  };

  root.blocks.push(...readBlocks(undefined));
  while (index < tokens.length) {
    const open = tokens[index]!;
    const level = Number(open.tag.slice(1));
    const title = plainText(tokens[index + 1]!.content);
    index += 3;
    const section: Section = { title, level, line: lineOf(open), blocks: [], children: [] };
    while (stack.length > 1 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack[stack.length - 1]!.children.push(section);
    stack.push(section);
    section.blocks.push(...readBlocks(undefined));
  }
  return root;
}
