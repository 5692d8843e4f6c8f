/**
 * A to-do item as the API returns it. The API's `Todo` (`gatehouse-todo-api/todo`) is the one
 * definition; this published package cannot depend on that private one, so
 * test/unit/todo-type.test.ts holds this copy equal to it.
 */
export interface Todo {
  id: string;
  owner: string;
  text: string;
  completed: boolean;
  dueDate: string | null;
  createdAt: string;
  updatedAt: string;
}

export function isTodo(value: unknown): value is Todo {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  return (
    typeof item.id === 'string' &&
    typeof item.owner === 'string' &&
    typeof item.text === 'string' &&
    typeof item.completed === 'boolean' &&
    (item.dueDate === null || typeof item.dueDate === 'string')
  );
}
