import { todoLine } from '../format.ts';
import { type CommandContext, TODOS } from './context.ts';
import { expectTodo } from './show.ts';

export interface AddArgs {
  text: string;
  /** Whose item it is (a user's oid): an app acting on its own must say. */
  owner: string;
  /** YYYY-MM-DD, already checked by the argument parser. */
  due: string | undefined;
}

export async function add(ctx: CommandContext, args: AddArgs): Promise<void> {
  const json: Record<string, string> = { text: args.text, owner: args.owner };
  if (args.due !== undefined) json.dueDate = args.due;
  const response = await ctx.api.send('POST', TODOS, { json });
  const item = expectTodo(response.body, 'POST');
  ctx.out(ctx.json ? JSON.stringify(item, null, 2) : `Added ${todoLine(item)}`);
}
