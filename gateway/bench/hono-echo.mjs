// The HTTP ceiling for bench/invoke.mjs: a bare Hono JSON echo on @hono/node-server.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text('ok'));
app.post('/', async (c) => c.json({ echo: await c.req.json() }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
