'use strict';
// Every handler the service knows, and the dispatcher that routes a request to one.

const modules = [require('./ping'), require('./stats')];

const handlers = new Map(modules.map((m) => [m.name, m]));

function handlerNames() {
  return [...handlers.keys()];
}

function dispatch(name, payload) {
  const handler = handlers.get(name);
  if (!handler) return { status: 404, body: { error: `no handler named ${name}` } };
  return handler.handle(payload);
}

module.exports = { handlerNames, dispatch };
