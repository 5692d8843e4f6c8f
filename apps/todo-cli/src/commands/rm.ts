import { printable } from '../errors.ts';
import { type CommandContext, itemPath, notFound } from './context.ts';

export async function rm(ctx: CommandContext, args: { id: string }): Promise<void> {
  await ctx.api.send('DELETE', itemPath(args.id), { notFound: notFound(args.id) });
  ctx.out(ctx.json ? JSON.stringify({ id: args.id, deleted: true }) : `Removed ${printable(args.id)}`);
}
