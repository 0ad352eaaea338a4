/**
 * A simple example service that says hello: a return value and a log line.
 * Served as examples.hello.say_hello and examples.hello.ping.
 *
 * Service functions are called with `this` bound to hostlink's ServiceApi
 * (loggers, data folders, temporary folders); see docs/vt-agent.md.
 */
import { hostname } from 'node:os';

/**
 * Greets the caller with the agent host's name.
 * @this {import('../../../src/services/service-api.js').ServiceApi}
 * @param {string} [name]
 * @returns {string}
 */
export function say_hello(name = 'World') {
  const message = `Hello, ${name}! This is vt_agent running on ${hostname()}.`;
  // As in vt_agent's example, this logger is the agent's, not a streamed service logger.
  this.getLogger('avocado.agent.examples.hello').info("Executing say_hello(name='%s'): %s", name, message);
  return message;
}

/**
 * Checks that the service is reachable.
 * @this {import('../../../src/services/service-api.js').ServiceApi}
 * @returns {string} "pong"
 */
export function ping() {
  this.getLogger('avocado.agent.examples.hello').info('Executing ping(): pong');
  return 'pong';
}
