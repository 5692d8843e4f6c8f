/**
 * The behaviour every `TodoStore` must have. Each store's test file calls
 * `runStoreContract(name, makeStore)`; a PostgreSQL store runs the same suite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isId } from '../../src/store/ids.ts';
import type { Todo, TodoStore } from '../../src/store/types.ts';

export type MakeStore = () => Promise<TodoStore>;

async function all(store: TodoStore, owner: string | undefined, limit: number): Promise<Todo[]> {
  const items: Todo[] = [];
  let page = await store.list({ owner, limit });
  items.push(...page.items);
  while (page.next) {
    assert.ok(page.items.length === limit, 'only the last page may be short');
    page = await store.list({ owner, limit, cursor: page.next });
    items.push(...page.items);
  }
  return items;
}

export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`TodoStore contract: ${name}`, () => {
    let store: TodoStore;
    before(async () => {
      store = await makeStore();
    });
    after(async () => {
      await store.close();
    });

    it('creates an item with defaults, unguessable id and timestamps', async () => {
      const todo = await store.create({ owner: 'alice', text: 'buy milk' });
      assert.ok(isId(todo.id), `id ${todo.id} is 22 base64url characters`);
      assert.equal(todo.owner, 'alice');
      assert.equal(todo.text, 'buy milk');
      assert.equal(todo.completed, false);
      assert.equal(todo.dueDate, null);
      assert.ok(!Number.isNaN(Date.parse(todo.createdAt)));
      assert.equal(todo.createdAt, todo.updatedAt);
      assert.deepEqual(await store.get(todo.id), todo);
    });

    it('gives every item a different id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) ids.add((await store.create({ owner: 'ids', text: `n${i}` })).id);
      assert.equal(ids.size, 50);
    });

    it('keeps completed and dueDate as given', async () => {
      const todo = await store.create({ owner: 'alice', text: 't', completed: true, dueDate: '2030-01-31' });
      const read = await store.get(todo.id, 'alice');
      assert.equal(read?.completed, true);
      assert.equal(read?.dueDate, '2030-01-31');
    });

    it('stores text byte for byte (quotes, SQL, unicode)', async () => {
      const text = `Robert'); DROP TABLE todos;-- "quoted" \\ ✓ 𝄞 \u0000 end`;
      const todo = await store.create({ owner: 'alice', text });
      assert.equal((await store.get(todo.id))?.text, text);
      assert.ok((await store.list({ limit: 1 })).items.length === 1, 'table still there');
    });

    it('keeps owners byte for byte and tells apart owners that differ only in case', async () => {
      const odd = `Ünïcode \u0000 owner 'x'`;
      const todo = await store.create({ owner: odd, text: 'odd owner' });
      assert.equal((await store.get(todo.id, odd))?.owner, odd);
      assert.equal(await store.get(todo.id, odd.toUpperCase()), null);
      assert.deepEqual(
        (await store.list({ owner: odd, limit: 5 })).items.map((t) => t.id),
        [todo.id],
      );
    });

    it('get with an owner hides other owners’ items', async () => {
      const todo = await store.create({ owner: 'bob', text: 'secret' });
      assert.equal(await store.get(todo.id, 'alice'), null);
      assert.equal((await store.get(todo.id, 'bob'))?.text, 'secret');
      assert.equal(await store.get('AAAAAAAAAAAAAAAAAAAAAA'), null);
    });

    it('update changes only given fields and bumps updatedAt; null clears dueDate', async () => {
      const todo = await store.create({ owner: 'alice', text: 'old', dueDate: '2030-01-01' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await store.update(todo.id, 'alice', { completed: true });
      assert.ok(updated);
      assert.equal(updated.text, 'old');
      assert.equal(updated.completed, true);
      assert.equal(updated.dueDate, '2030-01-01');
      assert.equal(updated.createdAt, todo.createdAt);
      assert.ok(updated.updatedAt > todo.updatedAt);
      const cleared = await store.update(todo.id, undefined, { dueDate: null, text: 'new' });
      assert.equal(cleared?.dueDate, null);
      assert.equal(cleared?.text, 'new');
      assert.deepEqual(await store.get(todo.id), cleared);
    });

    it('update and delete refuse another owner and leave the item unchanged', async () => {
      const todo = await store.create({ owner: 'bob', text: 'mine' });
      assert.equal(await store.update(todo.id, 'alice', { text: 'stolen' }), null);
      assert.equal(await store.delete(todo.id, 'alice'), false);
      assert.deepEqual(await store.get(todo.id), todo);
    });

    it('delete removes the item once', async () => {
      const todo = await store.create({ owner: 'alice', text: 'gone' });
      assert.equal(await store.delete(todo.id, 'alice'), true);
      assert.equal(await store.get(todo.id), null);
      assert.equal(await store.delete(todo.id, 'alice'), false);
      assert.equal(await store.update(todo.id, undefined, { text: 'x' }), null);
    });

    it('lists by owner in creation order and pages without gaps or repeats', async () => {
      const created: string[] = [];
      for (let i = 0; i < 23; i++)
        created.push((await store.create({ owner: 'pager', text: `item ${i}` })).id);
      for (const limit of [1, 5, 10, 23, 50]) {
        const listed = await all(store, 'pager', limit);
        assert.deepEqual(
          listed.map((t) => t.id),
          created,
          `limit ${limit}`,
        );
      }
      const first = await store.list({ owner: 'pager', limit: 23 });
      assert.equal(first.next, null, 'no next page when everything fit');
    });

    it('lists everyone’s items without an owner', async () => {
      const everything = await all(store, undefined, 7);
      const owners = new Set(everything.map((t) => t.owner));
      assert.ok(owners.has('alice') && owners.has('bob') && owners.has('pager'));
      assert.equal(new Set(everything.map((t) => t.id)).size, everything.length);
    });

    it('pages correctly through items created in the same millisecond', async () => {
      const ids = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.create({ owner: 'burst', text: `b${i}` }).then((t) => t.id),
        ),
      );
      const listed = await all(store, 'burst', 5);
      assert.deepEqual(new Set(listed.map((t) => t.id)), new Set(ids));
      assert.equal(listed.length, 12);
    });

    it('ping answers', async () => {
      await store.ping();
    });
  });
}
