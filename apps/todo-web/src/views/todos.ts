/** The signed-in user's list: an add form, open items, then completed ones. */
import type { Todo, TodoList } from '../api-client.ts';
import { html, type SafeHtml } from './html.ts';
import { csrfField, layout, type Viewer } from './layout.ts';

export interface TodosPageInput {
  viewer: Viewer;
  list: TodoList;
  /** Shown above the form after a refused add; the form keeps what was typed. */
  error?: string | undefined;
  draft?: { text: string; dueDate: string } | undefined;
  /** Today as YYYY-MM-DD (UTC), to mark overdue items. */
  today: string;
  /** A fixed message from `?notice=...`; nothing from the request is shown. */
  notice?: TodosNotice | undefined;
}

/** After a step-up sign-in the refused action is not replayed: the user does it again, knowingly. */
export const TODOS_NOTICES = {
  'stepped-up': 'You signed in again. Please try that again.',
} as const;
export type TodosNotice = keyof typeof TODOS_NOTICES;

export function isTodosNotice(value: unknown): value is TodosNotice {
  return typeof value === 'string' && Object.hasOwn(TODOS_NOTICES, value);
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** The calendar date of a `YYYY-MM-DD` or RFC 3339 value, or undefined if it is neither. */
function calendarDate(value: string): string | undefined {
  const day = /^(\d{4}-\d{2}-\d{2})/.exec(value)?.[1];
  return day && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ? day : undefined;
}

function due(todo: Todo, today: string): SafeHtml | undefined {
  const day = todo.dueDate ? calendarDate(todo.dueDate) : undefined;
  if (!day) return undefined;
  const label = dateFormat.format(new Date(`${day}T00:00:00Z`));
  const overdue = !todo.completed && day < today;
  return html`<span class="meta${overdue ? ' overdue' : ''}">${overdue ? 'Overdue: was due' : 'Due'} <time datetime="${day}">${label}</time></span>`;
}

function itemActions(todo: Todo, csrf: string): SafeHtml {
  const path = `/todos/${encodeURIComponent(todo.id)}`;
  const complete = todo.completed
    ? undefined
    : html`<form method="post" action="${path}/complete">${csrfField(csrf)}<button type="submit" class="secondary" aria-label="Complete: ${todo.text}">Complete</button></form>`;
  return html`<div class="actions">${complete}<form method="post" action="${path}/delete">${csrfField(csrf)}<button type="submit" class="danger" aria-label="Delete: ${todo.text}">Delete</button></form></div>`;
}

function item(todo: Todo, csrf: string, today: string): SafeHtml {
  return html`<li class="todo${todo.completed ? ' done' : ''}">
<div><span class="text">${todo.text}</span>${todo.completed ? html`<span class="badge">Done</span>` : undefined}${due(todo, today)}</div>
${itemActions(todo, csrf)}
</li>`;
}

function section(
  id: string,
  heading: string,
  items: Todo[],
  empty: string,
  csrf: string,
  today: string,
): SafeHtml {
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${heading} <span class="optional">(${items.length})</span></h2>
${
  items.length === 0
    ? html`<p class="empty">${empty}</p>`
    : html`<ul class="todos">${items.map((todo) => item(todo, csrf, today))}</ul>`
}
</section>`;
}

function addForm(csrf: string, error: string | undefined, draft: TodosPageInput['draft']): SafeHtml {
  const described = error ? 'add-error' : undefined;
  return html`${error ? html`<p class="alert" role="alert" id="add-error">${error}</p>` : undefined}
<form class="add card" method="post" action="/todos">
${csrfField(csrf)}
<div class="field"><label for="text">New to-do</label>
<input type="text" id="text" name="text" required maxlength="1000" autocomplete="off" value="${draft?.text ?? ''}"${described ? html` aria-describedby="${described}" aria-invalid="true"` : undefined}></div>
<div class="field"><label for="dueDate">Due date <span class="optional">(optional)</span></label>
<input type="date" id="dueDate" name="dueDate" value="${draft?.dueDate ?? ''}"></div>
<button type="submit">Add</button>
</form>`;
}

export function todosPage({ viewer, list, error, draft, today, notice }: TodosPageInput): string {
  const open = list.items.filter((todo) => !todo.completed);
  const done = list.items.filter((todo) => todo.completed);
  return layout({
    title: 'Your to-dos',
    viewer,
    body: html`${notice ? html`<p class="notice" role="status">${TODOS_NOTICES[notice]}</p>` : undefined}
<h1>Your to-dos</h1>
${addForm(viewer.csrf, error, draft)}
${section('open-heading', 'To do', open, 'Nothing to do. Add a to-do above.', viewer.csrf, today)}
${done.length > 0 ? section('done-heading', 'Done', done, '', viewer.csrf, today) : undefined}
${list.more ? html`<p class="small">Showing the first ${list.items.length} to-dos.</p>` : undefined}`,
  });
}
