import { CliError, EXIT } from '../errors.ts';
import { todoLine } from '../format.ts';
import { isTodo, type Todo } from '../todo.ts';
import { type CommandContext, itemPath, notFound } from './context.ts';

export function expectTodo(body: unknown, what: string): Todo {
  if (!isTodo(body))
    throw new CliError(`the API answered ${what} with something that is not a to-do item`, EXIT.error);
  return body;
}

export async function show(ctx: CommandContext, args: { id: string }): Promise<void> {
  const response = await ctx.api.send('GET', itemPath(args.id), { notFound: notFound(args.id) });
  const item = expectTodo(response.body, 'GET');
  ctx.out(ctx.json ? JSON.stringify(item, null, 2) : todoLine(item));
}
