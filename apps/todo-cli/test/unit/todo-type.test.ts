/**
 * The CLI is published on its own, so it cannot import the private to-do API's types at run time
 * or in its `.d.ts`; it declares the item it checks itself. This pins that declaration to the
 * API's `Todo`: a field added, dropped or retyped on either side fails the type check.
 */
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import type { Todo as ApiTodo } from 'gatehouse-todo-api/todo';
import type { Todo } from '../../src/todo.ts';

test('the CLI reads the to-do item exactly as the API defines it', () => {
  expectTypeOf<Todo>().toEqualTypeOf<ApiTodo>();
});
