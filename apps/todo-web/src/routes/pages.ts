/** The landing page, the stylesheet, and a liveness probe. */
import type { FastifyInstance } from 'fastify';
import { seeOther, sendHtml } from '../render.ts';
import { landingPage, NOTICES, type Notice } from '../views/pages.ts';
import { STYLESHEET } from '../views/styles.ts';

function isNotice(value: unknown): value is Notice {
  return typeof value === 'string' && Object.hasOwn(NOTICES, value);
}

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => {
    if (request.session) return seeOther(reply, '/todos');
    const query = request.query as Record<string, unknown>;
    // `state` is what the identity provider hands back after signing out (see routes/auth.ts).
    const notice = [query.notice, query.state].find(isNotice);
    return sendHtml(reply, 200, landingPage(notice));
  });

  app.get('/static/app.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get('/health', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
}
