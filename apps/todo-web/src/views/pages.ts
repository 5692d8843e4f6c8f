/**
 * The landing page and every message page (permission refused, service unavailable, sign-in
 * problems, expired form, not found). Each names what happened and offers the next step; none
 * shows an error message, a stack or anything from the request other than escaped text.
 */
import { html, type SafeHtml } from './html.ts';
import { layout, type Viewer } from './layout.ts';

/** Fixed notices the landing page shows for `?notice=...`; anything else shows nothing. */
export const NOTICES = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session has ended. Sign in again to continue.',
} as const;
export type Notice = keyof typeof NOTICES;

const signInButton = (label = 'Sign in'): SafeHtml =>
  html`<form method="get" action="/auth/login"><button type="submit">${label}</button></form>`;

export function landingPage(notice?: Notice): string {
  return layout({
    title: 'Welcome',
    body: html`<section class="card" aria-labelledby="welcome">
${notice ? html`<p class="notice" role="status">${NOTICES[notice]}</p>` : undefined}
<h1 id="welcome">Your to-do list</h1>
<p class="lead">Sign in to see your to-dos, add new ones, and tick them off.</p>
${signInButton()}
<p class="small">You sign in with your organisation's identity provider; this app never sees your password.</p>
</section>`,
  });
}

export interface MessagePage {
  status: number;
  title: string;
  heading: string;
  paragraphs: readonly string[];
  /** The next step: a link, or the sign-in button. */
  action?: { href: string; label: string } | 'sign-in';
  viewer?: Viewer | undefined;
}

export function messagePage(page: MessagePage): string {
  const action =
    page.action === 'sign-in'
      ? signInButton('Sign in again')
      : page.action
        ? html`<a class="button" href="${page.action.href}">${page.action.label}</a>`
        : undefined;
  return layout({
    title: page.title,
    viewer: page.viewer,
    body: html`<section class="card" aria-labelledby="message">
<h1 id="message">${page.heading}</h1>
${page.paragraphs.map((text) => html`<p>${text}</p>`)}
${action ? html`<div class="actions-row">${action}</div>` : undefined}
</section>`,
  });
}

const backToList = { href: '/todos', label: 'Back to your to-dos' };

export const messages = {
  forbidden: (viewer?: Viewer): MessagePage => ({
    status: 403,
    title: 'Permission needed',
    heading: "You don't have permission to do that",
    paragraphs: [
      'The to-do service refused the request: your sign-in does not include the permission it needs ' +
        '(changing to-dos needs ToDoList.ReadWrite).',
      'Ask your administrator for access, or sign out and sign in with another account.',
    ],
    action: backToList,
    viewer,
  }),
  apiUnavailable: (viewer?: Viewer): MessagePage => ({
    status: 503,
    title: 'Service unavailable',
    heading: 'The to-do service is unavailable',
    paragraphs: ['It did not answer, or answered with an error. Nothing was lost; try again in a moment.'],
    action: { href: '/todos', label: 'Try again' },
    viewer,
  }),
  idpUnavailable: (): MessagePage => ({
    status: 503,
    title: 'Sign-in unavailable',
    heading: 'The sign-in service is unavailable',
    paragraphs: ['The identity provider did not answer. Try again in a moment.'],
    action: 'sign-in',
  }),
  signInFailed: (detail?: string): MessagePage => ({
    status: 400,
    title: 'Sign-in failed',
    heading: "Sign-in didn't complete",
    paragraphs: [detail ?? 'The identity provider did not confirm who you are.', 'You can try again.'],
    action: 'sign-in',
  }),
  signInExpired: (): MessagePage => ({
    status: 400,
    title: 'Sign-in expired',
    heading: 'This sign-in has expired',
    paragraphs: ['It took too long, started in another browser, or cookies are blocked. Start again.'],
    action: 'sign-in',
  }),
  csrf: (viewer?: Viewer): MessagePage => ({
    status: 403,
    title: 'Form expired',
    heading: 'This form could not be accepted',
    paragraphs: [
      'For your safety nothing was changed: the form was out of date or was sent from another site.',
      'Go back to your list and try again.',
    ],
    action: viewer ? backToList : 'sign-in',
    viewer,
  }),
  todoNotFound: (viewer?: Viewer): MessagePage => ({
    status: 404,
    title: 'Not found',
    heading: 'That to-do no longer exists',
    paragraphs: ['It may have been deleted in another window.'],
    action: backToList,
    viewer,
  }),
  notFound: (viewer?: Viewer): MessagePage => ({
    status: 404,
    title: 'Not found',
    heading: 'Page not found',
    paragraphs: ['There is nothing at this address.'],
    action: { href: '/', label: 'Go to the start page' },
    viewer,
  }),
  sessionTooLarge: (): MessagePage => ({
    status: 500,
    title: 'Sign-in failed',
    heading: "Sign-in didn't complete",
    paragraphs: [
      'The identity provider issued tokens too large to keep in this browser. Tell your administrator.',
    ],
  }),
  unexpected: (viewer?: Viewer): MessagePage => ({
    status: 500,
    title: 'Something went wrong',
    heading: 'Something went wrong',
    paragraphs: ['The page could not be shown. Try again in a moment.'],
    action: { href: '/', label: 'Go to the start page' },
    viewer,
  }),
};
