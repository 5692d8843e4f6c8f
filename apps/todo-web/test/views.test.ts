import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html, raw } from '../src/views/html.ts';
import { landingPage, messagePage, messages } from '../src/views/pages.ts';
import { todosPage } from '../src/views/todos.ts';

const viewer = { userName: '<b>Mallory</b>', csrf: 'tok"en' };

describe('escaping', () => {
  it('escapes the five HTML specials', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&</a>`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes every interpolation except nested templates', () => {
    const inner = html`<em>${'<i>'}</em>`;
    assert.equal(
      html`<p title="${'"x"'}">${inner}${['<', raw('<br>')]}${undefined}${null}${false}${0}</p>`.value,
      '<p title="&quot;x&quot;"><em>&lt;i&gt;</em>&lt;<br>0</p>',
    );
  });
});

describe('pages', () => {
  it('show to-do text, names and tokens as text', () => {
    const page = todosPage({
      viewer,
      today: '2025-06-01',
      list: {
        more: false,
        items: [
          {
            id: 'a"b',
            text: '<script>alert(1)</script>',
            completed: false,
            dueDate: '2025-01-31',
            createdAt: '',
          },
          { id: 'c', text: `"><img src=x onerror=alert(1)>`, completed: true, dueDate: null, createdAt: '' },
        ],
      },
      draft: { text: '</textarea><script>', dueDate: '' },
      error: '<b>bad</b>',
    });
    assert.ok(!page.includes('<script>'));
    assert.ok(!page.includes('<img'));
    assert.ok(!page.includes('<b>'));
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('value="tok&quot;en"'));
    assert.ok(page.includes('action="/todos/a%22b/complete"'));
    assert.match(page, /Overdue: was due <time datetime="2025-01-31">31 Jan 2025<\/time>/);
  });

  it('are plain, labelled HTML without scripts or inline styles', () => {
    const pages = [
      landingPage('signed-out'),
      messagePage(messages.forbidden(viewer)),
      messagePage(messages.apiUnavailable(viewer)),
      todosPage({ viewer, today: '2025-06-01', list: { items: [], more: false } }),
    ];
    for (const page of pages) {
      assert.match(page, /^<!doctype html>\n<html lang="en">/);
      assert.ok(!/<script|\sstyle=|<style|\son\w+=/i.test(page));
      assert.match(page, /<main id="main"/);
    }
    const list = pages[3] ?? '';
    assert.match(list, /<label for="text">/);
    assert.match(list, /<label for="dueDate">/);
    assert.match(list, /name="_csrf"/);
    assert.match(pages[0] ?? '', /You have signed out/);
  });
});
