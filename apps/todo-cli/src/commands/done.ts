import { todoLine } from '../format.ts';
import { type CommandContext, itemPath, notFound } from './context.ts';
import { expectTodo } from './show.ts';

export async function done(ctx: CommandContext, args: { id: string }): Promise<void> {
  const response = await ctx.api.send('PATCH', itemPath(args.id), {
    json: { completed: true },
    notFound: notFound(args.id),
  });
  const item = expectTodo(response.body, 'PATCH');
  ctx.out(ctx.json ? JSON.stringify(item, null, 2) : `Done ${todoLine(item)}`);
}
