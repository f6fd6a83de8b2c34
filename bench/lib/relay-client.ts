import { type Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';

/**
 * The relay servers' CPU so far, in µs (user + system): `relay-servers.ts` answers a GET on its
 * `control` port with its `process.cpuUsage()`. Read between bursts, its difference is the CPU the
 * servers spent on them — without the client's, the mock's or the machine's other load.
 */
export function serverCpuUs(agent: Agent, controlPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: controlPort, path: '/', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          const { user, system } = JSON.parse(text) as { user: number; system: number };
          resolve(user + system);
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * What the relay benches' client sends: the request body as JSON with a bench key, over a
 * keep-alive agent, to 127.0.0.1; `onResponse` reads the answer. Errors reject through `onError`.
 */
export function postJson(
  agent: Agent,
  port: number,
  path: string,
  body: string,
  onResponse: (res: IncomingMessage) => void,
  onError: (error: Error) => void,
): ClientRequest {
  const req = request(
    {
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: 'Bearer sk-bench-1',
      },
    },
    onResponse,
  );
  req.on('error', onError);
  req.end(body);
  return req;
}
