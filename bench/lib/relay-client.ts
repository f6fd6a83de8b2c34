import { type Agent, request } from 'node:http';

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
