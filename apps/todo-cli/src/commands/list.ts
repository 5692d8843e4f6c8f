import { CliError, EXIT } from '../errors.ts';
import { todoTable } from '../format.ts';
import { isTodo, type Todo } from '../todo.ts';
import { type CommandContext, TODOS } from './context.ts';

const PAGE_SIZE = 200; // the API's maximum
const MAX_PAGES = 1000; // a guard against a server whose "next" links never end

/** `<...>; rel="next"` from a Link header (RFC 8288), as the API paginates. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

export interface ListArgs {
  /** Only this owner's items. The API gives apps every item, so the filter is applied here. */
  owner: string | undefined;
}

export async function list(ctx: CommandContext, args: ListArgs): Promise<void> {
  const items: Todo[] = [];
  let next: string | undefined = `${TODOS}?limit=${PAGE_SIZE}`;
  for (let page = 0; next !== undefined && page < MAX_PAGES; page++) {
    const response = await ctx.api.send('GET', next);
    if (!Array.isArray(response.body) || !response.body.every(isTodo)) {
      throw new CliError(
        'the API answered GET /api/todos with something that is not a list of to-do items',
        EXIT.error,
      );
    }
    items.push(...response.body);
    const link = nextLink(response.headers.get('link'));
    // The API's links are origin-relative (/api/todos?cursor=...).
    next = link === undefined ? undefined : new URL(link, ctx.config.apiUrl).href;
  }
  const shown = args.owner === undefined ? items : items.filter((item) => item.owner === args.owner);
  ctx.out(ctx.json ? JSON.stringify(shown, null, 2) : todoTable(shown));
}
