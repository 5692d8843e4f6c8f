/** Sends pages: every HTML answer goes through here. */
import type { FastifyReply } from 'fastify';
import { type MessagePage, messagePage } from './views/pages.ts';

export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function sendMessage(reply: FastifyReply, page: MessagePage): FastifyReply {
  return sendHtml(reply, page.status, messagePage(page));
}

/** POST/redirect/GET: after a form, the browser fetches the next page with GET. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 303);
}
