// Preloaded (node --import) by port-in-use.test.ts into `npm start`'s process: the HTTP server's listen
// on ORG_ACCESS_TEST_TAKEN_PORT fails with EADDRINUSE, as when something takes the port between the
// start-up check and the listen, after DynamoDB Local (Java) has started. Test-only.
import http from 'node:http';

const taken = Number(process.env.ORG_ACCESS_TEST_TAKEN_PORT);
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  if (args[0] === taken) {
    const err = Object.assign(new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${taken}`), { code: 'EADDRINUSE', port: taken });
    setImmediate(() => this.emit('error', err));
    return this;
  }
  return listen.apply(this, args);
};
