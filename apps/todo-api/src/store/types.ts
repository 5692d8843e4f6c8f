/**
 * The storage contract behind the API. Methods are async so that a PostgreSQL store can
 * implement the same interface; `owner`, when given, restricts an operation to that owner's items
 * (users), and when absent allows every item (apps).
 */

export interface Todo {
  id: string;
  owner: string;
  text: string;
  completed: boolean;
  /** A date (`2025-01-31`) or date-time string as the client sent it, or null. */
  dueDate: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewTodo {
  owner: string;
  text: string;
  completed?: boolean;
  dueDate?: string | null;
}

export interface TodoPatch {
  text?: string;
  completed?: boolean;
  dueDate?: string | null;
}

/** Position after which a page starts: the last item of the previous page. */
export interface Cursor {
  createdAt: string;
  id: string;
}

export interface ListQuery {
  owner?: string | undefined;
  limit: number;
  cursor?: Cursor | undefined;
}

export interface TodoPage {
  items: Todo[];
  /** Where the next page starts, or null when this is the last page. */
  next: Cursor | null;
}

export interface TodoStore {
  /** Items ordered by creation time, then id. */
  list(query: ListQuery): Promise<TodoPage>;
  /** The item, or null when it does not exist or belongs to someone other than `owner`. */
  get(id: string, owner?: string): Promise<Todo | null>;
  create(todo: NewTodo): Promise<Todo>;
  /** The updated item, or null when it does not exist or is not `owner`'s. */
  update(id: string, owner: string | undefined, patch: TodoPatch): Promise<Todo | null>;
  /** True when an item was deleted. */
  delete(id: string, owner?: string): Promise<boolean>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
