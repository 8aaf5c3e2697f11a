import type { Servers } from '../../servers/local';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __lifeboatServers?: Servers }).__lifeboatServers;
  await servers?.stop();
}
