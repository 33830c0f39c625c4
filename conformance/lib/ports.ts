/**
 * Free loopback ports. The kernel picks one (listen on port 0), we read it and close the
 * socket. A port is never handed out twice in one run, so a server that was killed and is
 * restarted on "its" port cannot find another of our servers there.
 */
import { createServer } from "node:net";

const handedOut = new Set<number>();

/** A loopback port nothing listens on now and nobody else in this run was given. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free loopback port after 50 attempts");
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("the kernel gave no port"))));
    });
  });
}
