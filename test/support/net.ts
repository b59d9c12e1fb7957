import { connect } from 'node:net';

/**
 * Whether nothing accepts connections on 127.0.0.1:`port` (the connection is refused).
 *
 * Tests ask this rather than whether the port can be bound again: on a busy machine another test
 * process's outgoing connection may hold the same number as its ephemeral local port, and Linux then
 * refuses a bind although no one listens.
 */
export function nothingListensOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
